package dev.tempora.task.web;

import dev.tempora.support.Durations;
import dev.tempora.support.InvalidRequestException;
import java.time.Duration;

/** The {@code wait} query parameter of long polls. */
final class Waits {

    static final Duration MAX = Duration.ofSeconds(60);

    private Waits() {}

    static Duration parse(String wait) {
        if (wait == null || wait.isBlank()) {
            return Duration.ZERO;
        }
        Duration duration;
        try {
            duration = Durations.parse(wait);
        } catch (IllegalArgumentException invalid) {
            throw new InvalidRequestException("wait", invalid.getMessage());
        }
        if (duration.isNegative() || duration.compareTo(MAX) > 0) {
            throw new InvalidRequestException("wait", "must be between 0 and 60 seconds");
        }
        return duration;
    }
}
