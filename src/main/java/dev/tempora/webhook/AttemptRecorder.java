package dev.tempora.webhook;

import dev.tempora.support.GroupCommit;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Component;

/**
 * Group commit for attempt outcomes: one thread records every outcome waiting at that moment (the
 * attempt row and the delivery's next state) in one transaction, so thousands of deliveries a
 * second cost a few commits each second instead of one each.
 */
@Component
class AttemptRecorder {

    private static final Logger log = LoggerFactory.getLogger(AttemptRecorder.class);
    private static final int MAX_BATCH = 500;

    /**
     * What one attempt came to.
     *
     * @param state the delivery's state after it
     * @param nextAttemptAt when PENDING, when the next attempt is due
     */
    record Outcome(Delivery delivery, String lease, Delivery.Attempt attempt, String state, Instant nextAttemptAt) {}

    private record Pending(Outcome outcome, CompletableFuture<Void> recorded) {}

    private final DeliveryStore store;
    private final GroupCommit<Pending> commits = new GroupCommit<>("tempora-webhook-recorder", MAX_BATCH, this::record);

    AttemptRecorder(DeliveryStore store) {
        this.store = store;
    }

    void start() {
        commits.start();
    }

    /** Records what is queued, then stops. */
    void stop() throws InterruptedException {
        commits.stop();
    }

    /**
     * Queues an outcome; the future completes once it is committed, exceptionally if it could not
     * be: with a {@link DuplicateKeyException} if the attempt was already recorded as stopped, and
     * its outcome is dropped.
     */
    CompletableFuture<Void> add(Outcome outcome) {
        var pending = new Pending(outcome, new CompletableFuture<>());
        commits.add(pending);
        return pending.recorded();
    }

    private void record(List<Pending> batch) {
        if (batch.isEmpty()) {
            return;
        }
        try {
            store.recordAll(batch.stream().map(Pending::outcome).toList());
            batch.forEach(pending -> pending.recorded().complete(null));
        } catch (DataIntegrityViolationException refused) {
            // One outcome the database refuses must not take the others of its batch with it: each
            // is recorded on its own.
            if (batch.size() > 1) {
                batch.forEach(pending -> record(List.of(pending)));
                return;
            }
            var refusedOne = batch.getFirst();
            if (refused instanceof DuplicateKeyException) {
                // The late outcome of an instance that was presumed dead (paused past the node
                // timeout) while its attempt was in flight: recorded as stopped when its delivery was
                // leased again.
                log.info(
                        "Webhook {} attempt {} ended after it was recorded as stopped; its outcome is dropped",
                        refusedOne.outcome().delivery().id(),
                        refusedOne.outcome().attempt().attempt());
            } else {
                // Its delivery is gone: deleted with its task (tempora.tasks.keep-finished) meanwhile.
                log.info(
                        "Webhook {} attempt {} could not be recorded ({}); its outcome is dropped",
                        refusedOne.outcome().delivery().id(),
                        refusedOne.outcome().attempt().attempt(),
                        refused.getMostSpecificCause().getMessage());
            }
            refusedOne.recorded().completeExceptionally(refused);
        } catch (RuntimeException | Error failed) { // an Error too: the waiters would wait for ever
            log.warn("Could not record {} webhook attempts: {}", batch.size(), failed.toString());
            // Unrecorded attempts keep their lease until it runs out; then they are attempted again.
            batch.forEach(pending -> pending.recorded().completeExceptionally(failed));
        }
    }
}
