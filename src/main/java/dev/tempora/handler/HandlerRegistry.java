package dev.tempora.handler;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.springframework.stereotype.Component;

/** The registered handlers by name: every {@link TaskHandler} bean. */
@Component
public class HandlerRegistry {

    private final Map<String, TaskHandler> byName = new TreeMap<>();

    HandlerRegistry(List<TaskHandler> handlers) {
        for (var handler : handlers) {
            var previous = byName.putIfAbsent(handler.name(), handler);
            if (previous != null) {
                throw new IllegalStateException("Two handlers are named '%s': %s and %s"
                        .formatted(
                                handler.name(),
                                previous.getClass().getName(),
                                handler.getClass().getName()));
            }
        }
    }

    public Optional<TaskHandler> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** All handlers, by name. */
    public Collection<TaskHandler> all() {
        return byName.values();
    }
}
