package dev.tempora.webhook;

import dev.tempora.support.JdbcTransactions;
import dev.tempora.task.TaskId;
import dev.tempora.task.TaskLookup;
import java.time.Clock;
import java.util.List;
import java.util.Map;
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

    /**
     * Deliveries and their attempts are read in one snapshot: an attempt commits with its
     * delivery's new state, so what is read then always agrees (read one after the other, an
     * attempt committed in between showed beside the state from before it).
     */
    private final JdbcTransactions transactions;

    Deliveries(
            DeliveryStore store, WebhookSender sender, TaskLookup tasks, Clock clock, JdbcTransactions transactions) {
        this.store = store;
        this.sender = sender;
        this.tasks = tasks;
        this.clock = clock;
        this.transactions = transactions;
    }

    /** The task's deliveries with their attempts, oldest first; empty if there is no such task. */
    public Optional<List<DeliveryView>> ofTask(TaskId id) {
        if (!tasks.exists(id)) {
            return Optional.empty();
        }
        return Optional.of(transactions.readSnapshot(() -> {
            var deliveries = store.findByTask(id.value());
            var attempts = store.attemptsOfTask(id.value());
            return deliveries.stream()
                    .map(delivery -> DeliveryView.of(delivery, attempts.getOrDefault(delivery.id(), List.of())))
                    .toList();
        }));
    }

    /**
     * Makes a delivery due now, with its {@code webhook-id} unchanged, in any state. The redelivery
     * is its next attempt: if it fails, the retry schedule goes on from that attempt's number (a
     * delivery that had succeeded at its first attempt is retried as after a failed first one), and
     * one that had used every attempt is FAILED again (README, "Delivery and retries").
     */
    public Optional<DeliveryView> redeliver(UUID id) {
        var now = clock.instant();
        if (!store.redeliver(id, now)) {
            return Optional.empty();
        }
        var view = transactions.readSnapshot(
                () -> store.find(id).map(delivery -> DeliveryView.of(delivery, store.attempts(id))));
        view.ifPresent(delivery -> sender.sendSoon(Map.of(id, delivery.url()), now));
        return view;
    }
}
