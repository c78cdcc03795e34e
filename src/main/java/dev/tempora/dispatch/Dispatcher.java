package dev.tempora.dispatch;

import dev.tempora.task.CancelGate;
import dev.tempora.task.SubmitReservations;
import dev.tempora.task.TaskCancelled;
import dev.tempora.task.TaskId;
import dev.tempora.task.TaskListener;
import dev.tempora.task.TaskSubmitted;
import dev.tempora.task.TaskTransitions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Gets tasks from the database to the workers, promptly and in sched order.
 *
 * <p>A task submitted here and due within the look-ahead window is stored reserved for this node
 * and goes straight into the timer (while there is room: see {@link #reserveOnSubmit}); the
 * {@link Loader} fills the timer with every other SCHEDULED task as the window reaches it (after a
 * restart, from other writers, or when a backlog exceeds what is held in memory). The loader
 * <em>reserves</em> what it loads (the task's owner becomes this node, skipping rows other nodes
 * are reserving), in batches, so instances sharing a database load disjoint work; a reservation
 * of a node that dies is released by the others ({@link NodeRegistry}).
 *
 * <p>A task submitted here without a reservation is any loader's once its row commits, which is
 * before its submission tells of it (SCHEDULED): if this node's loader reserves it meanwhile, it
 * starts only once it has been told ({@link #storing}), so its events stay in order.
 *
 * <p>Before a cancel is decided in the database, it is settled against the tasks held here
 * ({@link #beforeCancel}), since an instance alone starts tasks without waiting for their claims
 * ({@link TaskRunner}).
 */
@Component
class Dispatcher implements SmartLifecycle, SubmitReservations, CancelGate, TaskListener, Loader.Dispatch {

    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

    /** The longest a cancel waits for the claim of a task started ahead of it; claims take milliseconds. */
    private static final Duration CLAIM_WAIT = Duration.ofSeconds(10);

    /**
     * How long a stop waits, after the grace, for interrupted handlers to return and their workers
     * to give their tasks back. A handler deaf to interrupts is left running past it.
     */
    private static final Duration AFTER_INTERRUPT = Duration.ofSeconds(10);

    /** The most ids in one statement that hands tasks back. */
    private static final int HAND_BACK_BATCH = 1_000;

    /** The longest a stop waits for its waiting tasks to be handed back before it goes on. */
    private static final Duration HAND_BACK_WAIT = Duration.ofSeconds(2);

    private final DispatchProperties properties;
    private final WorkerPools pools;
    private final TaskRunner runner;
    private final TaskTracker tracker;
    private final TaskTransitions transitions;
    private final TransitionWriter writer;
    private final Node node;
    private final NodeRegistry registry;
    private final Loader loader;
    private final Clock clock;
    private volatile TaskTimer timer;

    private volatile boolean running;

    /**
     * The tasks being submitted here without a reservation, from before their commit until their
     * submission has told of them ({@link #submitted}); with the run prepared for one that a loader
     * pass reserved meanwhile, which waits here instead of in the timer until then.
     */
    private final ConcurrentHashMap<TaskId, Untold> untold = new ConcurrentHashMap<>();

    /** A task of {@link #untold}, and its run once this node's loader has reserved it. */
    private record Untold(TaskRun loaded) {}

    private static final Untold NOT_LOADED = new Untold(null);

    Dispatcher(
            DispatchProperties properties,
            WorkerPools pools,
            TaskRunner runner,
            TaskTracker tracker,
            TaskTransitions transitions,
            TransitionWriter writer,
            Node node,
            NodeRegistry registry,
            Loader loader,
            Clock clock) {
        this.properties = properties;
        this.pools = pools;
        this.runner = runner;
        this.tracker = tracker;
        this.transitions = transitions;
        this.writer = writer;
        this.node = node;
        this.registry = registry;
        this.loader = loader;
        this.clock = clock;
    }

    @Override
    public void start() {
        running = true;
        loader.resetHorizon();
        tracker.whenForgotten(loader::taskLeft);
        registry.whenTasksFreed(loader::requestLoad);
        writer.start();
        runner.acceptStarts();
        pools.restart();
        timer = new TaskTimer(clock, this::release);
        timer.start();
        loader.start(timer, this);
        log.info(
                "Dispatcher started: look-ahead {}, at most {} tasks in memory",
                properties.lookAhead(),
                properties.maxInMemory());
    }

    /**
     * Takes a task being submitted here straight into memory when it is due within the window: it
     * is stored reserved for this node, so no loader reads it again. While other instances are in
     * the node list, a node takes on submit no more than one loader pass would ({@code claimBatch}
     * tasks in memory); beyond that, tasks stay unreserved in the database, where the loaders of
     * every instance share them, and this node's loader is asked to come back as soon as its pools
     * run low. Alone, it takes up to {@code maxInMemory}: there is nobody to share a burst with, and
     * every task left to the loader would cost a second write (its reservation).
     */
    @Override
    public Optional<String> reserveOnSubmit(Instant runAt, int alreadyReserved) {
        if (!running || !runAt.isBefore(loader.horizon()) || !node.listedNow()) {
            return Optional.empty();
        }
        int limit = node.alone() ? properties.maxInMemory() : Math.min(properties.claimBatch(), loader.holdLimit());
        if (tracker.size() + alreadyReserved >= limit) {
            loader.markBacklog();
            return Optional.empty();
        }
        return Optional.of(node.id());
    }

    @Override
    public void storing(List<TaskId> reserved, List<TaskId> unreserved) {
        // Held even if the room ran out meanwhile: the limit is a guide, and the reservation a promise.
        if (running) {
            long mark = tracker.cancelMark();
            reserved.forEach(id -> tracker.hold(id, mark));
        }
        // Before the commit, so that a loader pass that finds one has it here to look at.
        unreserved.forEach(id -> untold.put(id, NOT_LOADED));
    }

    @Override
    public void notStored(List<TaskId> reserved, List<TaskId> unreserved) {
        reserved.forEach(tracker::forget);
        unreserved.forEach(this::told);
    }

    @Override
    public void mayBeStored(List<TaskId> reserved, List<TaskId> unreserved) {
        // Given back (owner cleared where the row exists) at the loader's next pass, retried there
        // while the database is away.
        reserved.forEach(tracker::drop);
        // Never told of: one that a loader pass found (it was stored) starts now.
        unreserved.forEach(this::told);
        loader.requestLoad();
    }

    @Override
    public void submitted(TaskSubmitted submitted) {
        var id = submitted.task().id();
        var reservedBy = submitted.reservedBy();
        if (reservedBy == null) {
            // Not reserved on submit: its SCHEDULED has been told, so a loader pass that reserved it
            // meanwhile may start it now.
            told(id);
            return;
        }
        if (reservedBy.equals(node.id())) {
            timeIfHeld(id, () -> runner.prepare(submitted.task()));
            return;
        }
        if (running && tracker.holds(id)) {
            // Reserved under the id this instance had before it was presumed dead and rejoined, which
            // a claim under the new id cannot take. That reservation counts as nobody's now, so a
            // loader takes the task; if this one reserved it meanwhile under the new id (and could
            // not hold it, held here already), its next pass takes it up.
            tracker.forget(id);
            loader.markReservationsUnknown();
            loader.requestLoad();
        }
    }

    /**
     * The submission of {@code id}, not reserved on submit, has told of it, or never will: the run
     * of a loader pass that reserved it meanwhile goes into the timer.
     */
    private void told(TaskId id) {
        var task = untold.remove(id);
        if (task != null && task.loaded() != null) {
            timeIfHeld(id, task::loaded);
        }
    }

    /**
     * The run of {@code id}, reserved here and told of now, goes into the timer if this node still
     * holds it. Once the stop has begun it is handed back instead: the stop handed back what it held
     * (perhaps this one too: a second release finds it released), and one stored reserved for this
     * node as the stop began would otherwise wait for the node to leave the node list.
     */
    private void timeIfHeld(TaskId id, Supplier<TaskRun> run) {
        if (!running) {
            handBackLate(id);
        } else if (tracker.holds(id)) {
            time(List.of(run.get()));
        }
    }

    /**
     * The runs a loader pass reserved go into the timer together, but for those whose submission here
     * has yet to tell of their task: each waits in {@link #untold} until then. Together: one at a
     * time, the timer released the first at once to an idle worker while the pass was still adding
     * the rest, so after a restart the task overdue longest started first, whatever its priority (an
     * H2 audit, after each of 5 {@code kill -9} restarts).
     */
    @Override
    public void loaded(List<TaskRun> runs) {
        var timed = new ArrayList<TaskRun>(runs.size());
        for (var run : runs) {
            // Committed by a submission here that has not told of it yet (its checkpoint is under
            // way): started now, it could be told RUNNING, even ended, before SCHEDULED. It starts
            // once told (submitted), as a task reserved on submit does.
            if (untold.computeIfPresent(run.task().id(), (id, submitting) -> new Untold(run)) == null) {
                timed.add(run);
            }
        }
        time(timed);
    }

    /**
     * Puts {@code runs}, reserved here, into the timer together; those that come as the timer stops
     * are handed back for the other instances (the stop has handed back what the timer held).
     */
    private void time(List<TaskRun> runs) {
        timer.addAll(runs).forEach(refused -> handBackLate(refused.task().id()));
    }

    /** Hands back {@code id}, reserved here, that reached this dispatcher once its stop had begun. */
    private void handBackLate(TaskId id) {
        tracker.forget(id);
        handBack(node.id(), List.of(id));
    }

    @Override
    public boolean beforeCancel(TaskId id) throws InterruptedException {
        node.enterCancel(registry.joinWait());
        try {
            var claim = tracker.cancelBegins(id);
            if (claim.isPresent()) {
                try {
                    claim.get().get(CLAIM_WAIT.toNanos(), TimeUnit.NANOSECONDS);
                } catch (TimeoutException stuck) {
                    // Still running ahead of it, as reads show: RUNNING for the cancel too. With
                    // mayInterruptIfRunning, the database's SCHEDULED is cancelled and the run
                    // interrupted (cancelled); the claim is then refused, and the outcome discarded.
                    log.warn("Cancelling task {}, running ahead of a claim unsettled after {}", id, CLAIM_WAIT);
                    return true;
                } catch (ExecutionException failed) {
                    // The claim failed: the task runs again (given back), and reads show it SCHEDULED,
                    // which the database decides the cancel as.
                    log.warn("Cancelling task {} whose claim failed: {}", id, failed.toString());
                }
            }
            return false;
        } catch (InterruptedException | RuntimeException | Error failed) {
            afterCancel(id); // the caller calls it only when this returns
            throw failed;
        }
    }

    @Override
    public void afterCancel(TaskId id) {
        tracker.cancelEnds();
        node.exitCancel();
    }

    @Override
    public void cancelled(TaskCancelled cancelled) {
        if (cancelled.interrupt()) {
            runner.interruptCancelled(cancelled.id());
        }
        withdraw(cancelled.id());
    }

    /**
     * A cancelled task held here that has not started leaves the timer or its pool's queue now,
     * and memory with it. Left there, it would count as {@code queued} in its pool (and in
     * {@code completedTasks} once a worker took it, only to be refused by its claim) for as long
     * as the pool's workers stay busy. One on its way from the timer to its pool is missed, and
     * refused by its claim as before.
     */
    private void withdraw(TaskId id) {
        var timer = this.timer;
        if (running && timer != null && tracker.holds(id) && (timer.remove(id) || pools.withdraw(id))) {
            tracker.forget(id);
        }
    }

    private void release(TaskRun run) {
        try {
            pools.forTask(run.task().pool()).execute(run);
        } catch (RuntimeException unexpected) {
            // Held here and reserved for this live node, it would wait for no loader until this node
            // leaves the node list: dropped, the loader's next pass gives it back.
            tracker.drop(run.task().id());
            throw unexpected;
        }
    }

    @Override
    public void stop() {
        running = false;
        try {
            loader.stop();
            var waiting = new ArrayList<TaskId>();
            timer.stop().forEach(run -> waiting.add(run.task().id()));
            // Loaded runs waiting for their submissions stay SCHEDULED, as those waiting in the pools
            // (a submission told of from now on starts nothing: this dispatcher no longer runs).
            untold.forEach((id, task) -> {
                if (task.loaded() != null) {
                    waiting.add(id);
                }
            });
            untold.replaceAll((id, task) -> NOT_LOADED);
            var grace = properties.shutdownGrace();
            for (var pool : pools.all()) {
                pool.stopAccepting().forEach(run -> waiting.add(run.task().id()));
            }
            waiting.forEach(tracker::forget);
            var deadline = System.nanoTime() + grace.toNanos();
            log.info(
                    "Dispatcher stopping: {} waiting tasks stay SCHEDULED, {} running get {} to finish",
                    waiting.size(),
                    runner.runningIds().size(),
                    grace);
            if (!handBack(node.id(), waiting).join(HAND_BACK_WAIT)) {
                log.warn("Still handing waiting tasks back after {}; the stop goes on", HAND_BACK_WAIT);
            }
            for (var pool : pools.all()) {
                pool.awaitIdle(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            }
            var unfinished = runner.runningIds();
            if (!unfinished.isEmpty()) {
                log.warn("Interrupting {} tasks still running after {}; they will run again", unfinished.size(), grace);
            }
            // Also when none is registered as running yet: a worker may still be waiting for a claim.
            // Handlers only, through their runs: a worker interrupted elsewhere may be in a write to
            // the database, and on an H2 file an interrupt in file I/O closes the database.
            runner.interruptForShutdown();
            var interrupted = System.nanoTime() + AFTER_INTERRUPT.toNanos();
            for (var pool : pools.all()) {
                if (!pool.awaitIdle(Duration.ofNanos(Math.max(0, interrupted - System.nanoTime())))) {
                    log.warn(
                            "Pool {} still has handlers running {} after their interrupt",
                            pool.name(),
                            AFTER_INTERRUPT);
                }
            }
            // Anything else this node reserved (a submission's, as it stopped) goes back to everyone
            // when it leaves the node list, right after this (NodeRegistry), or once its heartbeat is
            // found too old.
            writer.stop();
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
        tracker.clear();
        log.info("Dispatcher stopped");
    }

    /**
     * Releases {@code owner}'s reservations of the tasks {@code waiting}, which this node held but
     * will not start, as it stops (the owner is its id then: a restart in place renews it): left
     * reserved, they waited for it to leave the node list, after its running tasks (up to the
     * shutdown grace), while other instances sat idle. On a thread of its own, which the stop waits
     * for {@link #HAND_BACK_WAIT} at most, out of the grace: with the database away, a statement
     * waits for a connection or an answer far longer, and what is not handed back goes back when
     * this node leaves the list anyway.
     */
    private Thread handBack(String owner, List<TaskId> waiting) {
        return Thread.ofVirtual().name("tempora-hand-back").start(() -> {
            int released = 0;
            for (int from = 0; from < waiting.size(); from += HAND_BACK_BATCH) {
                var batch = waiting.subList(from, Math.min(waiting.size(), from + HAND_BACK_BATCH));
                try {
                    released += transitions.release(owner, batch);
                } catch (RuntimeException databaseAway) {
                    log.warn(
                            "Could not hand back {} waiting tasks ({}); they go back when this instance leaves the"
                                    + " node list",
                            waiting.size() - from,
                            databaseAway.toString());
                    break;
                }
            }
            if (released > 0) {
                log.info("Handed {} waiting tasks back for other instances", released);
            }
        });
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
