package dev.tempora.webhook;

import dev.tempora.task.TaskId;
import dev.tempora.task.TaskLookup;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.stereotype.Service;

/** Reading deliveries and redelivering them. */
@Service
public class Deliveries {

    private final DeliveryStore store;
    private final WebhookSender sender;
    private final TaskLookup tasks;
    private final Clock clock;

    Deliveries(DeliveryStore store, WebhookSender sender, TaskLookup tasks, Clock clock) {
        this.store = store;
        this.sender = sender;
        this.tasks = tasks;
        this.clock = clock;
    }

    /** The task's deliveries with their attempts, oldest first; empty if there is no such task. */
    public Optional<List<DeliveryView>> ofTask(TaskId id) {
        if (!tasks.exists(id)) {
            return Optional.empty();
        }
        // Deliveries first: an attempt commits with its delivery's new state, so every attempt behind
        // a state read here is there when the attempts are read after it.
        var deliveries = store.findByTask(id.value());
        var attempts = store.attemptsOfTask(id.value());
        return Optional.of(deliveries.stream()
                .map(delivery -> DeliveryView.of(delivery, attempts.getOrDefault(delivery.id(), List.of())))
                .toList());
    }

    /**
     * Makes a delivery due now, with its {@code webhook-id} unchanged. A delivery that had ended gets
     * one more attempt; if that fails, it is FAILED again (the retry schedule is not restarted).
     */
    public Optional<DeliveryView> redeliver(UUID id) {
        var now = clock.instant();
        if (!store.redeliver(id, now)) {
            return Optional.empty();
        }
        sender.sendSoon(List.of(id), now);
        return store.find(id).map(delivery -> DeliveryView.of(delivery, store.attempts(id)));
    }
}
