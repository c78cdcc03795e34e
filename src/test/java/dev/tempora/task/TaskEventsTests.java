package dev.tempora.task;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.core.Ordered;

class TaskEventsTests {

    private final List<String> heard = new ArrayList<>();

    @Test
    void everyListenerHearsInOrderEvenWhenOneThrows() {
        var events = eventsTo(listener("second", 2, false), listener("first", 1, true), listener("third", 3, false));
        var id = TaskId.next(Clock.systemUTC());

        events.changed(new TaskChanged(id, TaskState.RUNNING, null, Instant.now()));
        events.cancelled(new TaskCancelled(id, false));

        assertThat(heard)
                .containsExactly(
                        "first changed",
                        "second changed",
                        "third changed",
                        "first cancelled",
                        "second cancelled",
                        "third cancelled");
    }

    @Test
    void nothingIsToldBeforeTheListenersAreFound() {
        var factory = new DefaultListableBeanFactory();
        factory.registerSingleton("only", listener("only", 0, false));
        var events = new TaskEvents(factory.getBeanProvider(TaskListener.class));

        events.changed(new TaskChanged(TaskId.next(Clock.systemUTC()), TaskState.SCHEDULED, "echo", Instant.now()));

        assertThat(heard).isEmpty();
    }

    private TaskEvents eventsTo(TaskListener... listeners) {
        var factory = new DefaultListableBeanFactory();
        for (int i = 0; i < listeners.length; i++) {
            factory.registerSingleton("listener" + i, listeners[i]);
        }
        var events = new TaskEvents(factory.getBeanProvider(TaskListener.class));
        events.afterSingletonsInstantiated();
        return events;
    }

    private OrderedListener listener(String name, int order, boolean fails) {
        return new OrderedListener(heard, name, order, fails);
    }

    private record OrderedListener(List<String> heard, String name, int order, boolean fails)
            implements TaskListener, Ordered {

        @Override
        public void changed(TaskChanged changed) {
            heard(" changed");
        }

        @Override
        public void cancelled(TaskCancelled cancelled) {
            heard(" cancelled");
        }

        private void heard(String what) {
            heard.add(name + what);
            if (fails) {
                throw new IllegalStateException("a listener's bug");
            }
        }

        @Override
        public int getOrder() {
            return order;
        }
    }
}
