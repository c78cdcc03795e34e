package dev.tempora.handler.builtin;

import dev.tempora.handler.InvalidArgumentsException;
import dev.tempora.handler.TaskContext;
import dev.tempora.handler.TaskHandler;
import java.util.Set;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/** {@code fail}: throws, so the task FAILS with the given message. */
@Component
class FailHandler implements TaskHandler {

    @Override
    public String name() {
        return "fail";
    }

    @Override
    public String description() {
        return "Throws, so the task FAILS; args {\"message\": string}.";
    }

    @Override
    public void validate(JsonNode args) throws InvalidArgumentsException {
        Args.optionalObject(args);
        Args.knownFields(args, Set.of("message"));
        var message = args.get("message");
        if (message != null && !message.isString() && !message.isNull()) {
            throw new InvalidArgumentsException("args.message", "must be a string");
        }
    }

    @Override
    public Object handle(TaskContext context) {
        var message = context.args().path("message");
        throw new HandlerFailure(message.isString() ? message.asString() : "failed as asked");
    }

    /** What {@code fail} throws; its simple name is the task's {@code exception.type}. */
    static final class HandlerFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        HandlerFailure(String message) {
            super(message);
        }
    }
}
