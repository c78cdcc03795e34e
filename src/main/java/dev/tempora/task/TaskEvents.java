package dev.tempora.task;

import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.stereotype.Component;

/**
 * Tells every {@link TaskListener} bean, in their {@code @Order}, what happened to a task. The
 * listeners are looked up once all singletons exist, not at construction: the dispatcher listens,
 * and depends on the very services that publish. Nothing is published before then (tasks are
 * neither submitted nor dispatched while the context is being built).
 */
@Component
class TaskEvents implements SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(TaskEvents.class);

    private final ObjectProvider<TaskListener> provider;
    private volatile List<TaskListener> listeners = List.of();

    TaskEvents(ObjectProvider<TaskListener> provider) {
        this.provider = provider;
    }

    @Override
    public void afterSingletonsInstantiated() {
        listeners = provider.orderedStream().toList();
    }

    void submitted(TaskSubmitted submitted) {
        tell(listener -> listener.submitted(submitted), "task", submitted.task().id());
    }

    void changed(TaskChanged changed) {
        tell(listener -> listener.changed(changed), "task", changed.id());
    }

    void cancelled(TaskCancelled cancelled) {
        tell(listener -> listener.cancelled(cancelled), "task", cancelled.id());
    }

    void deleted(int count) {
        tell(listener -> listener.deleted(count), "deleting ended tasks, count", count);
    }

    private void tell(Consumer<TaskListener> event, String what, Object which) {
        for (var listener : listeners) {
            try {
                event.accept(listener);
            } catch (RuntimeException bug) { // what happened has committed: the other listeners still hear of it
                log.error("{} failed on the event of {} {}", listener.getClass().getSimpleName(), what, which, bug);
            }
        }
    }
}
