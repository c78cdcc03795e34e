package dev.tempora.dispatch;

import dev.tempora.support.DatabaseErrors;
import dev.tempora.support.GroupCommit;
import dev.tempora.task.TaskCompletions;
import dev.tempora.task.TaskState;
import dev.tempora.task.TaskTransitions;
import dev.tempora.task.Transition;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Group commit for the workers' state changes: claims and outcomes each have a thread that applies
 * every one waiting at that moment in one transaction, so a burst of short tasks costs a few
 * commits instead of two per task. Workers wait for their claims (a task is RUNNING before its
 * handler runs) but not for their outcomes; waiters on an outcome are signalled once it is
 * committed.
 *
 * <p>A claim is what a worker waits for between a task's due time and its start, so claims are
 * committed without waiting for the disk where the database allows it (PostgreSQL), unless the
 * task has a callback (a receiver may hear of its start). Losing such a claim in a crash of the
 * database server only lets the task run again, the at-least-once rule that a crash of Tempora
 * already follows; a cancel or an outcome committed after it is never lost while the claim is.
 */
@Component
class TransitionWriter {

    private static final Logger log = LoggerFactory.getLogger(TransitionWriter.class);
    private static final int MAX_BATCH = 1000;

    private record Pending(Transition transition, CompletableFuture<Boolean> applied) {}

    private final TaskTransitions transitions;
    private final TaskCompletions completions;
    /** How long outcomes wait before they are tried again while the database is away. */
    private static final Duration RETRY_AFTER = Duration.ofSeconds(1);

    private final GroupCommit<Pending> claims = new GroupCommit<>("tempora-claims", MAX_BATCH, this::applyClaims);
    private final GroupCommit<Pending> outcomes = new GroupCommit<>("tempora-outcomes", MAX_BATCH, this::applyOutcomes);
    private volatile ScheduledExecutorService retries;

    TransitionWriter(TaskTransitions transitions, TaskCompletions completions) {
        this.transitions = transitions;
        this.completions = completions;
    }

    void start() {
        retries = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("tempora-outcome-retries").daemon(true).factory());
        claims.start();
        outcomes.start();
    }

    /**
     * Applies what is queued, then stops. Outcomes still waiting for the database are given up:
     * their tasks stay RUNNING for this node, and run again after it restarts.
     */
    void stop() throws InterruptedException {
        claims.stop();
        outcomes.stop();
        retries.shutdownNow();
    }

    /** Queues {@code transition}; the future tells whether it took effect, once committed. */
    CompletableFuture<Boolean> submit(Transition transition) {
        var pending = new Pending(transition, new CompletableFuture<>());
        (transition.to() == TaskState.RUNNING ? claims : outcomes).add(pending);
        return pending.applied();
    }

    /** Claims fail at once when the database is away: their workers must not wait, the loader retries. */
    private void applyClaims(List<Pending> batch) {
        applyBatch(batch, false);
    }

    /**
     * Outcomes are kept while the database is away, and recorded once it is back: otherwise a task
     * that ended meanwhile would stay RUNNING, for this live node, until the node restarts.
     */
    private void applyOutcomes(List<Pending> batch) {
        applyBatch(batch, true);
    }

    private void applyBatch(List<Pending> batch, boolean keepWhileAway) {
        boolean[] applied;
        try {
            var all = batch.stream().map(Pending::transition).toList();
            applied = transitions.applyAll(
                    all,
                    all.stream()
                            .allMatch(transition -> transition.to() == TaskState.RUNNING && !transition.callback()));
        } catch (RuntimeException failed) {
            if (DatabaseErrors.unreachable(failed)) {
                if (!(keepWhileAway && retryLater(batch, failed))) {
                    batch.forEach(pending -> pending.applied().completeExceptionally(failed));
                }
            } else if (batch.size() > 1) {
                // One bad row fails the whole transaction: apply one by one to keep the rest.
                batch.forEach(pending -> applyBatch(List.of(pending), keepWhileAway));
            } else {
                log.error(
                        "Could not record task {} as {}: {}",
                        batch.getFirst().transition().id(),
                        batch.getFirst().transition().to(),
                        failed.toString());
                batch.getFirst().applied().completeExceptionally(failed);
            }
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            var transition = batch.get(i).transition();
            if (applied[i] && transition.to().isDone()) {
                completions.signal(transition.id());
            }
            batch.get(i).applied().complete(applied[i]);
        }
    }

    /** Queues {@code batch} again after a while; false when stopping. */
    private boolean retryLater(List<Pending> batch, RuntimeException failed) {
        var executor = retries;
        if (executor == null) {
            return false;
        }
        try {
            executor.schedule(() -> batch.forEach(outcomes::add), RETRY_AFTER.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopping) {
            return false;
        }
        log.warn(
                "Database away ({}): {} outcomes will be recorded when it is back",
                failed.getClass().getSimpleName(),
                batch.size());
        return true;
    }
}
