package dev.tempora.handler.builtin;

import dev.tempora.handler.InvalidArgumentsException;
import dev.tempora.handler.TaskContext;
import dev.tempora.handler.TaskHandler;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/** {@code sleep}: sleeps interruptibly, then returns {@code args.result}. */
@Component
class SleepHandler implements TaskHandler {

    @Override
    public String name() {
        return "sleep";
    }

    @Override
    public String description() {
        return "Sleeps (interruptibly), then returns args.result; args {\"seconds\": number, \"result\": any}.";
    }

    @Override
    public void validate(JsonNode args) throws InvalidArgumentsException {
        Args.optionalObject(args);
        var seconds = args.get("seconds");
        if (seconds != null && !seconds.isNull() && (!seconds.isNumber() || seconds.asDouble() < 0)) {
            throw new InvalidArgumentsException("args.seconds", "must be a number of seconds >= 0");
        }
    }

    @Override
    public Object handle(TaskContext context) throws InterruptedException {
        long nanos = (long) (context.args().path("seconds").asDouble(0) * 1e9);
        TimeUnit.NANOSECONDS.sleep(nanos);
        return context.args().get("result");
    }
}
