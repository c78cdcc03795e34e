package dev.tempora.handler.builtin;

import dev.tempora.handler.InvalidArgumentsException;
import dev.tempora.handler.TaskContext;
import dev.tempora.handler.TaskHandler;
import dev.tempora.support.Durations;
import java.time.Duration;
import java.util.Set;
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
        Args.knownFields(args, Set.of("seconds", "result"));
        var seconds = args.get("seconds");
        if (seconds == null || seconds.isNull()) {
            return;
        }
        if (!seconds.isNumber()) {
            throw new InvalidArgumentsException("args.seconds", "must be a number of seconds >= 0");
        }
        Duration duration;
        try {
            // Bounded as a delay is: 1e400 seconds is not a sleep of 0.
            duration = Durations.fromJson(seconds);
        } catch (IllegalArgumentException invalid) {
            throw new InvalidArgumentsException("args.seconds", invalid.getMessage());
        }
        if (duration.isNegative()) {
            throw new InvalidArgumentsException("args.seconds", "must be a number of seconds >= 0");
        }
    }

    @Override
    public Object handle(TaskContext context) throws InterruptedException {
        var seconds = context.args().path("seconds");
        var duration = seconds.isNumber() ? Durations.fromJson(seconds) : Duration.ZERO;
        TimeUnit.NANOSECONDS.sleep(duration.toNanos());
        return context.args().get("result");
    }
}
