package dev.tempora.webhook;

import java.time.Instant;
import java.util.UUID;

/**
 * One event for one callback URL, and where its delivery stands.
 *
 * @param state PENDING (an attempt is due at {@code nextAttemptAt}), SUCCEEDED or FAILED
 * @param attempts attempts started so far
 * @param lease who holds the right to the attempt in flight, if one is
 */
record Delivery(
        UUID id,
        UUID taskId,
        String type,
        String url,
        String payload,
        String state,
        int attempts,
        Instant createdAt,
        Instant nextAttemptAt,
        String lease) {

    static final String PENDING = "PENDING";
    static final String SUCCEEDED = "SUCCEEDED";
    static final String FAILED = "FAILED";

    /**
     * One attempt to deliver.
     *
     * @param statusCode the receiver's status, or null when none came
     * @param error why it failed, or null
     * @param responseBody the first bytes of the receiver's answer
     */
    record Attempt(int attempt, Instant at, Integer statusCode, String error, long durationMs, String responseBody) {}
}
