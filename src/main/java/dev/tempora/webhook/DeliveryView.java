package dev.tempora.webhook;

import dev.tempora.support.Timestamps;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;

/**
 * A delivery as the API shows it.
 *
 * @param id also the {@code webhook-id} header of every attempt
 * @param state PENDING, SUCCEEDED or FAILED
 */
@Schema(name = "WebhookDelivery")
public record DeliveryView(
        String id,
        String taskId,

        @Schema(
                example = "task.succeeded",
                allowableValues = {"task.started", "task.succeeded", "task.failed", "task.cancelled"})
        String type,

        String url,

        @Schema(allowableValues = {Delivery.PENDING, Delivery.SUCCEEDED, Delivery.FAILED})
        String state,

        String createdAt,

        @Schema(description = "When the next attempt is due, while PENDING")
        String nextAttemptAt,

        List<AttemptView> attempts) {

    /** One attempt: when, what came back (or why nothing did), how long it took. */
    @Schema(name = "WebhookAttempt")
    public record AttemptView(
            int attempt,
            String at,
            Integer statusCode,
            String error,
            long durationMs,

            @Schema(description = "The first bytes of the receiver's answer")
            String responseBody) {}

    static DeliveryView of(Delivery delivery, List<Delivery.Attempt> attempts) {
        return new DeliveryView(
                delivery.id().toString(),
                delivery.taskId().toString(),
                delivery.type(),
                delivery.url(),
                delivery.state(),
                Timestamps.format(delivery.createdAt()),
                delivery.state().equals(Delivery.PENDING) ? Timestamps.format(delivery.nextAttemptAt()) : null,
                attempts.stream()
                        .map(a -> new AttemptView(
                                a.attempt(),
                                Timestamps.format(a.at()),
                                a.statusCode(),
                                a.error(),
                                a.durationMs(),
                                a.responseBody()))
                        .toList());
    }
}
