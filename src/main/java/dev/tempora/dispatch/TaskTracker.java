package dev.tempora.dispatch;

import dev.tempora.task.StartsAhead;
import dev.tempora.task.TaskId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.springframework.stereotype.Component;

/**
 * The unfinished tasks this instance holds in memory (in the timer, in a pool's queue, or
 * running), so the loader never loads one twice and memory stays bounded.
 *
 * <p>Also where a worker starting a task ahead of its claim and a cancel of the same task meet
 * ({@link #startAhead}, {@link #cancelBegins}): a task may start ahead only if no cancel can have
 * been decided for it in the database since it was read or stored as SCHEDULED. A cancel counts
 * itself in before it looks for the task here; whoever holds tasks takes a {@link #cancelMark}
 * before reading them, and holds them to be claimed first if a cancel was under way then or has
 * begun since.
 */
@Component
class TaskTracker implements StartsAhead {

    /**
     * A held task: {@code claim} and {@code startedAt} once a worker started it ahead of its claim's
     * commit; {@code claimFirst} if a cancel may have come first, so it may start only after a
     * committed claim.
     */
    private record Held(CompletableFuture<Boolean> claim, Instant startedAt, boolean claimFirst) {

        /** Started ahead of its claim, which has not settled yet. */
        boolean aheadOfClaim() {
            return claim != null && !claim.isDone();
        }
    }

    private static final Held WAITING = new Held(null, null, false);
    private static final Held CLAIM_FIRST = new Held(null, null, true);

    /** A mark taken while a cancel was under way. */
    private static final long UNSETTLED = -1;

    private final ConcurrentHashMap<TaskId, Held> held = new ConcurrentHashMap<>();
    private final AtomicLong cancelsBegun = new AtomicLong();
    private final AtomicLong cancelsEnded = new AtomicLong();
    /** Workers between counting themselves in and holding the task they start ahead, or not. */
    private final AtomicInteger startingAhead = new AtomicInteger();

    private final Set<TaskId> dropped = ConcurrentHashMap.newKeySet();
    private volatile Runnable onForgotten = () -> {};

    /** To take before reading (or storing) the tasks to {@link #hold}. */
    long cancelMark() {
        long ended = cancelsEnded.get();
        long begun = cancelsBegun.get();
        return ended == begun ? begun : UNSETTLED;
    }

    /**
     * Whether {@code id} was not held yet (and now is). {@code mark}: the {@link #cancelMark} taken
     * before the task was read or stored.
     */
    boolean hold(TaskId id, long mark) {
        if (held.putIfAbsent(id, WAITING) != null) {
            return false;
        }
        // Put first, then look: a cancel counts itself in first, then looks here (cancelBegins), so
        // one of the two sees the other.
        if (mark == UNSETTLED || cancelsBegun.get() != mark) {
            claimFirstUnlessStarted(id);
        }
        return true;
    }

    /** A held task not yet started will start only after a committed claim; what is held now, if anything. */
    private Held claimFirstUnlessStarted(TaskId id) {
        return held.computeIfPresent(id, (key, task) -> task.claim() == null ? CLAIM_FIRST : task);
    }

    boolean holds(TaskId id) {
        return held.containsKey(id);
    }

    void forget(TaskId id) {
        if (held.remove(id) != null) {
            onForgotten.run();
        }
    }

    /**
     * Whether the worker may start {@code id} now ({@code startedAt}), before {@code claim} commits:
     * only while this instance is {@code alone} in the node list, and if no cancel may have come for
     * it first. Afterwards a cancel here waits for {@code claim} instead, reads of the task see it
     * RUNNING ({@link #startedAhead}) until the claim commits, and {@link #runsAheadOfClaims} tells
     * other instances of it.
     */
    boolean startAhead(TaskId id, CompletableFuture<Boolean> claim, Instant startedAt, BooleanSupplier alone) {
        if (!alone.getAsBoolean()) {
            return false; // in a cluster, not counted: a report must not read it as starting ahead
        }
        // Counted in before looking again whether alone: runsAheadOfClaims, called once this
        // instance is not, then counts this worker, or finds the task held with its claim.
        startingAhead.incrementAndGet();
        try {
            if (!alone.getAsBoolean()) {
                return false;
            }
            var now = held.computeIfPresent(
                    id, (key, task) -> task.claimFirst() ? task : new Held(claim, startedAt, false));
            return now != null && now.claim() == claim;
        } finally {
            startingAhead.decrementAndGet();
        }
    }

    /**
     * Whether a task may be running here ahead of its claim's commit: one started ahead whose claim
     * has not settled, or one a worker is starting ahead right now. Asked once this instance is no
     * longer alone in the node list, false means that none is, and none will be until it is alone
     * again.
     */
    boolean runsAheadOfClaims() {
        return startingAhead.get() > 0 || held.values().stream().anyMatch(Held::aheadOfClaim);
    }

    /** Completes once the claims of the tasks started ahead of them so far have settled. */
    CompletableFuture<Void> aheadClaimsSettled() {
        return CompletableFuture.allOf(held.values().stream()
                .filter(Held::aheadOfClaim)
                .map(Held::claim)
                .toArray(CompletableFuture[]::new));
    }

    @Override
    public Optional<Instant> startedAhead(TaskId id) {
        var task = held.get(id);
        return task == null || task.claim() == null || task.claim().isDone()
                ? Optional.empty()
                : Optional.of(task.startedAt());
    }

    /**
     * A cancel of {@code id} is about to be decided in the database; {@link #cancelEnds} once it is.
     * A held task that has not started will start only after a committed claim, which the cancel
     * then races in the database as in a cluster; for one started ahead of its claim, the claim is
     * returned, to wait for before deciding (the task is running).
     */
    Optional<CompletableFuture<Boolean>> cancelBegins(TaskId id) {
        cancelsBegun.incrementAndGet();
        return Optional.ofNullable(claimFirstUnlessStarted(id)).map(Held::claim);
    }

    void cancelEnds() {
        cancelsEnded.incrementAndGet();
    }

    /**
     * This instance is about to believe itself alone, after a time when others were in the node list
     * (or may have been: its lease had run out). Cancels decided through them never came here, so
     * every task held now that has not started, and every one being read or stored now, will start
     * only after a committed claim, which such a cancel then wins in the database. As if a cancel of
     * each had begun and ended here.
     */
    void othersMayHaveCancelled() {
        // Counted in first, as a cancel is: a task put in while the held ones are being marked is
        // marked by hold itself, its mark being older than this.
        cancelsBegun.incrementAndGet();
        held.replaceAll((id, task) -> task.claim() == null ? CLAIM_FIRST : task);
        cancelsEnded.incrementAndGet();
    }

    /**
     * Forgets a task this node will not run: one that could not be dispatched (its claim failed:
     * the database was away, or the answer to its commit was lost), one handed back for other
     * instances to run, or one whose claim or outcome found it changed, which may mean reserved anew
     * by this very node under the id it rejoined with. It may still be this node's in the database
     * (reserved, or RUNNING if the claim did commit), where no loader would take it again; the loader
     * gives such tasks back ({@link #takeDropped}) at its next pass.
     */
    void drop(TaskId id) {
        dropped.add(id);
        forget(id);
    }

    /** Whether {@code id} was dropped and waits to be given back. */
    boolean isDropped(TaskId id) {
        return dropped.contains(id);
    }

    /** The tasks dropped since the last call, to give back; {@link #drop} them again if that fails. */
    List<TaskId> takeDropped() {
        var taken = new ArrayList<TaskId>();
        for (var id : dropped) {
            // One still held is being dropped right now (added, not yet forgotten): given back and
            // reserved anew in this pass, it could not be held, and would then be forgotten. The
            // next pass gives it back.
            if (!held.containsKey(id) && dropped.remove(id)) {
                taken.add(id);
            }
        }
        return taken;
    }

    /** Forgets everything: after a stop, nothing is held in memory any more. */
    void clear() {
        held.clear();
        dropped.clear();
    }

    int size() {
        return held.size();
    }

    /** Calls {@code action} (which must be quick) whenever a task is forgotten. */
    void whenForgotten(Runnable action) {
        this.onForgotten = action;
    }
}
