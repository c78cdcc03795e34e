package dev.tempora.dispatch;

import dev.tempora.support.CommitOutcomeUnknownException;
import dev.tempora.support.DatabaseErrors;
import dev.tempora.support.GroupCommit;
import dev.tempora.task.TaskCompletions;
import dev.tempora.task.TaskState;
import dev.tempora.task.TaskTransitions;
import dev.tempora.task.Transition;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Group commit for the workers' state changes: claims and outcomes each have a thread that applies
 * every one waiting at that moment in one transaction, so a burst of short tasks costs a few
 * commits instead of two per task. A worker waits for its claim unless it started the task ahead
 * of it ({@link TaskRunner}); no worker waits for an outcome, and waiters on an outcome are
 * signalled once it is committed.
 *
 * <p>An outcome is written after its claim. The claim of a run started ahead of it waits {@link
 * #AHEAD_CLAIMS_LINGER} before it is written, on a thread of its own: nobody waits for it, and a
 * burst of starts then does not share the CPU with its claims' writes. When such a run ends while
 * its claim is still queued (a short run, or a burst), the two are written as one update,
 * SCHEDULED to SUCCEEDED or FAILED, which spares the task's row and the indexes holding its state
 * one round of changes: on H2, 2026-12-03, ~27% more zero-work tasks per second. Such an update
 * waits as its claim would have, on a thread of its own: written at once, a burst's first outcomes
 * took one core for about 0.7 ms (H2) while a worker with a task of the same burst waited on it
 * (docs/benchmarks.md, item 14).
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

    /** A queued transition, and who waits for it. */
    private static class Pending {
        final Transition transition;
        final CompletableFuture<Boolean> applied = new CompletableFuture<>();

        /** Whether a commit of it lost its answer: it may have been made already, when it is tried again. */
        volatile boolean answerLost;

        Pending(Transition transition) {
            this.transition = transition;
        }

        void complete(boolean took) {
            applied.complete(took);
        }

        void fail(Throwable failure) {
            applied.completeExceptionally(failure);
        }
    }

    /**
     * A queued claim. The outcome of a run started ahead of it may be folded into it ({@link
     * #finish}) until the claims' thread takes it: whichever comes first {@link #take}s it.
     */
    static final class Claim extends Pending {
        private final AtomicBoolean taken = new AtomicBoolean();

        private Claim(Transition starting) {
            super(starting);
        }

        /** Whether it committed: SCHEDULED to RUNNING for its owner. */
        CompletableFuture<Boolean> committed() {
            return applied;
        }

        private boolean take() {
            return taken.compareAndSet(false, true);
        }
    }

    /** A claim and the outcome of its run, written as one update; settles both. */
    private final class Folded extends Pending {
        private final Claim claim;
        private final Pending outcome;

        Folded(Claim claim, Transition outcome) {
            super(transitions.startedAndEnded(claim.transition, outcome));
            this.claim = claim;
            this.outcome = new Pending(outcome);
            applied.whenComplete((took, failure) -> {
                if (failure == null) {
                    claim.complete(took);
                    this.outcome.complete(took);
                } else {
                    claim.fail(failure);
                    this.outcome.fail(failure);
                }
            });
        }

        /** Writes the claim, then the outcome, as if they had never been folded. */
        void unfold() {
            applyBatch(List.of(claim), false);
            claim.applied.whenComplete((claimed, failure) -> {
                if (Boolean.TRUE.equals(claimed)) {
                    applyBatch(List.of(outcome), true);
                } else if (failure == null) {
                    outcome.complete(false);
                } else {
                    outcome.fail(failure);
                }
            });
        }
    }

    private final TaskTransitions transitions;
    private final TaskCompletions completions;
    /** How long outcomes wait before they are tried again while the database is away. */
    private static final Duration RETRY_AFTER = Duration.ofSeconds(1);

    private final GroupCommit<Claim> claims = new GroupCommit<>("tempora-claims", MAX_BATCH, this::applyClaims);
    /**
     * How long the claims of runs started ahead of them wait to be written: nobody waits for them,
     * so a burst of starts is not slowed by their writes, and short runs that end meanwhile are
     * written with their claims ({@link #finish}).
     */
    static final Duration AHEAD_CLAIMS_LINGER = Duration.ofMillis(2);

    private final GroupCommit<Claim> aheadClaims =
            new GroupCommit<>("tempora-claims-ahead", MAX_BATCH, AHEAD_CLAIMS_LINGER, this::applyAheadClaims);
    private final GroupCommit<Pending> outcomes = new GroupCommit<>("tempora-outcomes", MAX_BATCH, this::applyOutcomes);
    /**
     * Outcomes written with their claims ({@link #finish}) wait as those claims did: they come from
     * a burst of starts, which their writes would otherwise share two cores with.
     */
    private final GroupCommit<Pending> foldedOutcomes =
            new GroupCommit<>("tempora-outcomes-ahead", MAX_BATCH, AHEAD_CLAIMS_LINGER, this::applyOutcomes);

    private volatile ScheduledExecutorService retries;
    /** What waits in {@link #retries} for the database to come back: failed if it is still waiting at stop. */
    private final Set<Pending> retrying = ConcurrentHashMap.newKeySet();

    TransitionWriter(TaskTransitions transitions, TaskCompletions completions) {
        this.transitions = transitions;
        this.completions = completions;
    }

    void start() {
        retries = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("tempora-outcome-retries").daemon(true).factory());
        claims.start();
        aheadClaims.start();
        outcomes.start();
        foldedOutcomes.start();
    }

    /**
     * Applies what is queued, then stops. Outcomes still waiting for the database are given up:
     * their tasks stay RUNNING for this node, and run again after it restarts.
     */
    void stop() throws InterruptedException {
        claims.stop();
        aheadClaims.stop();
        foldedOutcomes.stop();
        outcomes.stop();
        retries.shutdownNow();
        // Left waiting, a worker that waits for the claim of a run it started ahead would wait forever.
        var stopped = new IllegalStateException("stopped while the database was away");
        for (var pending : retrying) {
            if (retrying.remove(pending)) {
                pending.fail(stopped);
            }
        }
    }

    /** The claim {@code starting}, to {@link #queue}; its {@link Claim#committed} tells whether it took effect. */
    Claim claim(Transition starting) {
        return new Claim(starting);
    }

    /**
     * Queues {@code claim}: to be written at once if its worker waits for it, or after {@link
     * #AHEAD_CLAIMS_LINGER} if the run started {@code ahead} of it.
     */
    void queue(Claim claim, boolean ahead) {
        (ahead ? aheadClaims : claims).add(claim);
    }

    /**
     * Queues {@code outcome}, the end of the run {@code claim} claims; the future tells whether it
     * took effect, once committed. The outcome is written after its claim has committed (and not at
     * all if it did not), or with it, in one update, if the claim is still queued (a run started
     * ahead of its claim, ended already): a third fewer writes for a task.
     */
    CompletableFuture<Boolean> finish(Claim claim, Transition outcome) {
        // Folded, only the outcome's event could be told: so only when neither has one to tell.
        if (!outcome.callback() && !claim.transition.callback() && claim.take()) {
            var folded = new Folded(claim, outcome);
            foldedOutcomes.add(folded);
            return folded.outcome.applied;
        }
        return claim.committed()
                .thenCompose(claimed -> claimed ? submit(outcome) : CompletableFuture.completedFuture(false));
    }

    /** Queues the outcome {@code transition}; the future tells whether it took effect, once committed. */
    private CompletableFuture<Boolean> submit(Transition transition) {
        var pending = new Pending(transition);
        outcomes.add(pending);
        return pending.applied;
    }

    /**
     * Claims fail at once when the database is away: their workers must not wait, the loader
     * retries. A claim into which an outcome was folded meanwhile is written with it instead.
     */
    private void applyClaims(List<Claim> batch) {
        applyClaims(batch, false);
    }

    /**
     * The claims of runs started ahead of them are kept while the database is away, as outcomes
     * are: the run has begun, and a claim given up would give the task back, to run again.
     */
    private void applyAheadClaims(List<Claim> batch) {
        applyClaims(batch, true);
    }

    private void applyClaims(List<Claim> batch, boolean keepWhileAway) {
        var taken = batch.stream().filter(Claim::take).toList();
        if (!taken.isEmpty()) {
            applyBatch(taken, keepWhileAway);
        }
    }

    /**
     * Outcomes are kept while the database is away, and recorded once it is back: otherwise a task
     * that ended meanwhile would stay RUNNING, for this live node, until the node restarts.
     */
    private void applyOutcomes(List<Pending> batch) {
        applyBatch(batch, true);
    }

    private void applyBatch(List<? extends Pending> batch, boolean keepWhileAway) {
        boolean[] applied;
        try {
            var all = batch.stream().map(pending -> pending.transition).toList();
            applied = transitions.applyAll(
                    all,
                    all.stream()
                            .allMatch(transition -> transition.to() == TaskState.RUNNING && !transition.callback()));
        } catch (RuntimeException failed) {
            if (DatabaseErrors.unreachable(failed)) {
                if (failed instanceof CommitOutcomeUnknownException) {
                    batch.forEach(pending -> pending.answerLost = true);
                }
                if (!(keepWhileAway && retryLater(batch, failed))) {
                    batch.forEach(pending -> pending.fail(failed));
                }
            } else if (batch.size() > 1) {
                // One bad row fails the whole transaction: apply one by one to keep the rest.
                batch.forEach(pending -> applyBatch(List.of(pending), keepWhileAway));
            } else if (batch.getFirst() instanceof Folded folded) {
                // The outcome's part of the row may be what fails: write the claim at least.
                folded.unfold();
            } else {
                var transition = batch.getFirst().transition;
                log.error("Could not record task {} as {}: {}", transition.id(), transition.to(), failed.toString());
                batch.getFirst().fail(failed);
            }
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            var pending = batch.get(i);
            var transition = pending.transition;
            boolean took = applied[i] || (pending.answerLost && madeEarlier(transition));
            if (took && transition.to().isDone()) {
                completions.signal(transition.id());
            }
            pending.complete(took);
        }
    }

    /**
     * Whether a transition that found nothing to change had been made by the commit whose answer
     * was lost: then its end is told now (events, long polls), not taken for someone else's.
     */
    private boolean madeEarlier(Transition transition) {
        try {
            return transitions.madeEarlier(transition);
        } catch (RuntimeException unread) {
            log.warn("Could not read task {} back after a lost commit answer: {}", transition.id(), unread.toString());
            return false;
        }
    }

    /** Queues {@code batch} again after a while; false when stopping. */
    private boolean retryLater(List<? extends Pending> batch, RuntimeException failed) {
        var executor = retries;
        if (executor == null) {
            return false;
        }
        retrying.addAll(batch);
        try {
            executor.schedule(
                    () -> batch.forEach(pending -> {
                        if (retrying.remove(pending)) {
                            outcomes.add(pending);
                        }
                    }),
                    RETRY_AFTER.toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopping) {
            batch.forEach(retrying::remove);
            return false;
        }
        log.warn(
                "Database away ({}): {} outcomes will be recorded when it is back",
                failed.getClass().getSimpleName(),
                batch.size());
        return true;
    }
}
