package dev.tempora.handler.builtin;

import dev.tempora.handler.TaskContext;
import dev.tempora.handler.TaskHandler;
import org.springframework.stereotype.Component;

/** {@code echo}: returns its arguments unchanged. */
@Component
class EchoHandler implements TaskHandler {

    @Override
    public String name() {
        return "echo";
    }

    @Override
    public String description() {
        return "Returns its args unchanged.";
    }

    @Override
    public Object handle(TaskContext context) {
        return context.args();
    }
}
