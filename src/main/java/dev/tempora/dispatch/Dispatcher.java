package dev.tempora.dispatch;

import dev.tempora.task.CancelGate;
import dev.tempora.task.DueTask;
import dev.tempora.task.DueTaskFinder;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Gets tasks from the database to the workers, promptly and in sched order.
 *
 * <p>A task submitted here and due within the look-ahead window is stored reserved for this node
 * and goes straight into the timer (while there is room: see {@link #reserveOnSubmit}); the loader
 * fills the timer with every other SCHEDULED task as the window reaches it (after a restart, from
 * other writers, or when a backlog exceeds what is held in memory). The loader
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
class Dispatcher implements SmartLifecycle, SubmitReservations, CancelGate, TaskListener {

    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

    /**
     * With other instances, each pool keeps waiting what its workers start within this many load
     * intervals: a pass then comes before they run out, once they are down to half of it.
     */
    private static final int SHARE_INTERVALS = 2;

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
    private final DueTaskFinder finder;
    private final TransitionWriter writer;
    private final Node node;
    private final NodeRegistry registry;
    private final DispatchMetrics metrics;
    private final Clock clock;
    private volatile TaskTimer timer;

    private final ReentrantLock loaderLock = new ReentrantLock();
    private final Condition loaderWake = loaderLock.newCondition();
    private boolean loadRequested;
    private Thread loader;

    /** Tasks due before this instant are loaded, or go into the timer when submitted here. */
    private volatile Instant horizon = Instant.MIN;

    /** Whether the last pass found more due tasks than it took: then drained pools ask for more. */
    private volatile boolean backlog;

    /**
     * While other instances share the database, the most tasks this node holds: its workers plus
     * what they start within two load intervals ({@link #shareWork}); no limit alone.
     */
    private volatile int holdLimit = Integer.MAX_VALUE;

    /** With a {@link #holdLimit}, the least room worth a loader pass: half the tasks held to wait. */
    private volatile int refillAt = 1;

    private volatile boolean running;

    /** Whether the loader's last pass took all it asked for (more may be due): the loader's own. */
    private boolean passFilled;

    /**
     * A reservation failed, or a submission crossed a rejoin: tasks may be reserved for this node
     * that it does not hold, which every loader skips. The next pass takes them up.
     */
    private volatile boolean reservationsUnknown;

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
            DueTaskFinder finder,
            TransitionWriter writer,
            Node node,
            NodeRegistry registry,
            DispatchMetrics metrics,
            Clock clock) {
        this.properties = properties;
        this.pools = pools;
        this.runner = runner;
        this.tracker = tracker;
        this.transitions = transitions;
        this.finder = finder;
        this.writer = writer;
        this.node = node;
        this.registry = registry;
        this.metrics = metrics;
        this.clock = clock;
    }

    @Override
    public void start() {
        running = true;
        horizon = Instant.MIN;
        tracker.whenForgotten(this::taskLeft);
        registry.whenTasksFreed(this::requestLoad);
        writer.start();
        runner.acceptStarts();
        pools.restart();
        timer = new TaskTimer(clock, this::release);
        timer.start();
        loader = Thread.ofPlatform().name("tempora-loader").daemon(true).start(this::loadLoop);
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
        if (!running || !runAt.isBefore(horizon) || !node.listedNow()) {
            return Optional.empty();
        }
        int limit = node.alone() ? properties.maxInMemory() : Math.min(properties.claimBatch(), holdLimit);
        if (tracker.size() + alreadyReserved >= limit) {
            backlog = true;
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
        requestLoad();
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
            reservationsUnknown = true;
            requestLoad();
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
            time(run.get());
        }
    }

    /**
     * Puts {@code run}, reserved here, into the timer; one that comes as the timer stops is handed
     * back for the other instances (the stop has handed back what the timer held).
     */
    private void time(TaskRun run) {
        if (!timer.add(run)) {
            handBackLate(run.task().id());
        }
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

    /** Asks the loader for a pass now instead of at its next interval. */
    void requestLoad() {
        loaderLock.lock();
        try {
            loadRequested = true;
            loaderWake.signal();
        } finally {
            loaderLock.unlock();
        }
    }

    /** A task left memory: while a backlog waits in the database, keep the pools fed. */
    private void taskLeft() {
        if (backlog && pools.queued() < Math.max(1, properties.claimBatch() / 2) && roomToHold() >= refillAt) {
            backlog = false;
            requestLoad();
        }
    }

    private int roomToHold() {
        return holdLimit == Integer.MAX_VALUE ? Integer.MAX_VALUE : holdLimit - tracker.size();
    }

    /** How many more of a pool's tasks this node may hold, and the least worth a reservation. */
    private record PoolRoom(String pool, int room, int refillAt) {}

    /**
     * Alone, a node holds whatever is due: nobody else could run it. With others, each pool holds
     * what its workers start within two load intervals (at their recent time per task) besides
     * what they run, and hands the rest of its due backlog back, the least urgent first, for any
     * instance to load: otherwise a burst reserved by one instance (on submit, or by a loader pass)
     * waits for its workers while the others' idle. Tasks that take no time leave the limit far
     * above any batch. Returns the room of each pool with such a limit; until a task has run on a
     * pool, it has none.
     */
    private List<PoolRoom> shareWork() {
        if (node.alone()) {
            holdLimit = Integer.MAX_VALUE;
            return List.of();
        }
        var inTimer = inTimerByPool();
        var rooms = new ArrayList<PoolRoom>();
        long limit = 0;
        long waiting = 0;
        for (var pool : pools.all()) {
            int share = pool.waitingShare(properties.loadInterval().multipliedBy(SHARE_INTERVALS));
            var shed = pool.shed(share);
            if (!shed.isEmpty()) {
                shed.forEach(run -> tracker.drop(run.task().id()));
                metrics.handedBack(pool.name(), shed.size());
                log.debug("Handed {} due tasks of pool {} back for other instances", shed.size(), pool.name());
            }
            if (share == Integer.MAX_VALUE) {
                limit = Integer.MAX_VALUE;
                continue;
            }
            long held = held(pool, inTimer);
            long room = Math.max(0, pool.size() + (long) share - held);
            rooms.add(new PoolRoom(pool.name(), (int) Math.min(Integer.MAX_VALUE, room), refillAt(share)));
            limit += pool.size() + (long) share;
            waiting += share;
        }
        holdLimit = (int) Math.min(Integer.MAX_VALUE, limit);
        refillAt = refillAt(waiting);
        return rooms;
    }

    /** The runs each pool's timer holds, counted with the pool that runs them ({@link WorkerPools#runsOn}). */
    private Map<String, Integer> inTimerByPool() {
        var inTimer = new HashMap<String, Integer>();
        timer.heldByPool().forEach((name, count) -> inTimer.merge(pools.runsOn(name), count, Integer::sum));
        return inTimer;
    }

    /** The tasks of {@code pool} held here: running, waiting in its queue, or in the timer. */
    private static long held(WorkerPool pool, Map<String, Integer> inTimer) {
        return (long) pool.active() + pool.queued() + inTimer.getOrDefault(pool.name(), 0);
    }

    /**
     * The pools this node holds too many of, while no pool has a limit of its own ({@link
     * #shareWork}: alone, say), so that no pool's backlog fills memory and holds the others back:
     * a pass takes the earliest due of every pool, so once one pool's
     * overdue tasks filled {@code maxInMemory}, the tasks of an idle pool stayed in the database
     * until that backlog had drained past their {@code runAt}. Each pool keeps a share of memory
     * the others cannot take (a batch, or less where memory is small: at most a quarter of it
     * between two pools), and a pool holding {@code maxInMemory} less the others' shares is
     * crowded: a pass loads the other pools only. What a crowded pool holds beyond that (tasks
     * submitted here go straight into memory up to {@code maxInMemory}, whatever their pool) does
     * not count against the others' room.
     */
    private Crowding crowding() {
        var all = pools.all();
        if (all.size() < 2) {
            return Crowding.NONE;
        }
        int share = Math.clamp(properties.maxInMemory() / (2L * all.size()), 1, properties.claimBatch());
        long cap = properties.maxInMemory() - (long) (all.size() - 1) * share;
        var inTimer = inTimerByPool();
        var crowded = new ArrayList<String>();
        var others = new ArrayList<String>();
        long beyond = 0;
        for (var pool : all) {
            long held = held(pool, inTimer);
            if (held >= cap) {
                crowded.add(pool.name());
                beyond += held - cap;
            } else if (!pool.name().equals(WorkerPools.DEFAULT)) {
                others.add(pool.name());
            }
        }
        if (crowded.isEmpty()) {
            return Crowding.NONE;
        }
        // The default pool also runs the tasks of pools not configured here: crowded, it takes none of them.
        var load = crowded.contains(WorkerPools.DEFAULT)
                ? (others.isEmpty() ? null : DueTaskFinder.Pools.among(others))
                : DueTaskFinder.Pools.except(crowded);
        return new Crowding(load, (int) Math.min(Integer.MAX_VALUE, beyond));
    }

    /**
     * Which pools a pass loads ({@code null}: none), and how many tasks the crowded pools hold
     * beyond their part of memory.
     */
    private record Crowding(DueTaskFinder.Pools load, int beyond) {
        static final Crowding NONE = new Crowding(DueTaskFinder.Pools.except(List.of()), 0);
    }

    /**
     * The least room worth a reservation for a share of {@code waiting} tasks: half of it, but
     * never more than half of what one pass may take, or a pool with a large share (tasks that take
     * no time) would never be worth one.
     */
    private int refillAt(long waiting) {
        return Math.clamp(Math.min(waiting, properties.claimBatch()) / 2, 1, Integer.MAX_VALUE);
    }

    private void loadLoop() {
        // When the passes began to fail: the first pass that works after them says so, which marks
        // the end of a database outage in the log (its start is the first failure's warning).
        boolean failing = false;
        long failingSince = 0;
        while (running) {
            try {
                loadOnce();
                if (failing) {
                    failing = false;
                    log.info(
                            "Loading due tasks again, after {} of failed passes",
                            Duration.ofMillis((System.nanoTime() - failingSince) / 1_000_000));
                }
                // Alone, the next batch of a backlog comes at once while memory has room for it. A
                // pass takes the earliest due of every pool, so at a pass per interval (or as the
                // pools drain) the tasks of another pool falling due meanwhile waited behind the
                // backlog's batches: an idle pool's started 4 s late after a restart with 4,000
                // overdue elsewhere. (With others in the list, each pool has a pass of its own.)
                if (passFilled
                        && node.alone()
                        && properties.maxInMemory() - tracker.size() >= properties.claimBatch()) {
                    continue;
                }
            } catch (RuntimeException databaseTrouble) {
                if (!failing) {
                    failing = true;
                    failingSince = System.nanoTime();
                }
                log.warn("Loading due tasks failed, will retry: {}", databaseTrouble.toString());
            } catch (Error unexpected) {
                // Not the end of the loader: without it, nothing due would ever be loaded again.
                log.error("Loading due tasks failed, will retry", unexpected);
            }
            if (!awaitNextPass()) {
                return;
            }
        }
    }

    /** One loader pass: reserves and loads up to a batch of SCHEDULED tasks due within the window. */
    private void loadOnce() {
        passFilled = false;
        var rooms = shareWork();
        var dropped = tracker.takeDropped();
        if (!dropped.isEmpty()) {
            try {
                transitions.giveBack(node.id(), dropped);
            } catch (RuntimeException stillAway) {
                dropped.forEach(tracker::drop);
                throw stillAway;
            }
        }
        int memoryRoom = properties.maxInMemory() - tracker.size();
        var crowding = rooms.isEmpty() ? crowding() : Crowding.NONE;
        int room = (int) Math.min((long) memoryRoom + crowding.beyond(), properties.claimBatch());
        if (room <= 0 || crowding.load() == null || !node.listedNow()) {
            return; // full, or perhaps out of the node list: what it reserved would be nobody's
        }
        var windowEnd = clock.instant().plus(properties.lookAhead());
        if (windowEnd.isAfter(horizon)) {
            // Raised before reading: a submission deciding after this is reserved on submit. One that
            // decided before and commits after the read waits for the next pass, which comes long
            // before it is due (the window is much longer than the interval).
            horizon = windowEnd;
        }
        long mark = tracker.cancelMark();
        var reserved = new ArrayList<DueTask>();
        if (reservationsUnknown) {
            // Reserved for this node, but held by nobody: what a failed reservation committed.
            // Cleared first: set again meanwhile (a submission), it brings another pass.
            reservationsUnknown = false;
            try {
                reserved.addAll(finder.reservedFor(node.id(), windowEnd));
            } catch (RuntimeException | Error failed) {
                reservationsUnknown = true;
                throw failed;
            }
        }
        Throwable failed = null;
        try {
            if (rooms.isEmpty()) {
                reserve(windowEnd, room, crowding.load(), reserved);
            } else if (rooms.size() < pools.all().size()) {
                var limited = rooms.stream().map(PoolRoom::pool).toList();
                reserve(windowEnd, room, DueTaskFinder.Pools.except(limited), reserved);
            }
            for (var pool : rooms) {
                // Each pool up to a batch: a pool with a deep backlog must not take every pass's room.
                int take = Math.min(Math.min(memoryRoom - reserved.size(), properties.claimBatch()), pool.room());
                if (take < pool.refillAt()) {
                    // It holds over half its share, over a load interval of work: the next pass comes
                    // before its workers run out. Asking at each task's end would cost a pass a task.
                    continue;
                }
                reserve(windowEnd, take, ofPool(pool.pool()), reserved);
            }
        } catch (RuntimeException | Error reservationFailed) {
            // What this pass reserved before is held all the same, and the statement that failed may
            // have committed with its answer lost: either way, nobody else may take those tasks.
            reservationsUnknown = true;
            failed = reservationFailed;
        }
        int loaded = 0;
        for (var task : reserved) {
            if (!tracker.hold(task.id(), mark)) {
                continue;
            }
            if (tracker.isDropped(task.id())) {
                // Taken up after a failed pass while its worker dropped it: it is given back at the
                // next pass (perhaps RUNNING), so it must not start from here too.
                tracker.forget(task.id());
                continue;
            }
            var run = runner.prepare(task);
            // Committed by a submission here that has not told of it yet (its checkpoint is under
            // way): started now, it could be told RUNNING, even ended, before SCHEDULED. It starts
            // once told (submitted), as a task reserved on submit does.
            if (untold.computeIfPresent(task.id(), (id, submitting) -> new Untold(run)) == null) {
                time(run);
            }
            loaded++;
        }
        if (loaded > 0) {
            log.debug("Loaded {} due tasks ({} in memory)", loaded, tracker.size());
        }
        if (failed instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (failed instanceof Error error) {
            throw error;
        }
    }

    /** A pool's tasks, and for the default pool also those of pools not configured here, which it runs. */
    private DueTaskFinder.Pools ofPool(String name) {
        if (!name.equals(WorkerPools.DEFAULT)) {
            return DueTaskFinder.Pools.only(name);
        }
        return DueTaskFinder.Pools.except(pools.all().stream()
                .map(WorkerPool::name)
                .filter(other -> !other.equals(WorkerPools.DEFAULT))
                .toList());
    }

    /** Reserves up to {@code limit} of {@code pools}' due tasks into {@code reserved}. */
    private void reserve(Instant windowEnd, int limit, DueTaskFinder.Pools pools, List<DueTask> reserved) {
        var found = finder.reserveDue(windowEnd, limit, node.id(), pools);
        reserved.addAll(found);
        if (found.size() == limit) {
            passFilled = true;
            // More may be due than fit: the rest waits in the database, and the next pass comes as
            // soon as the pools run low (taskLeft) instead of at the next interval.
            var last = found.getLast().runAt();
            if (last.isBefore(horizon)) {
                horizon = last;
            }
            backlog = true;
        }
    }

    /** Waits for the next interval or a request; false when stopping. */
    private boolean awaitNextPass() {
        loaderLock.lock();
        try {
            long wait = properties.loadInterval().toNanos();
            while (!loadRequested && wait > 0 && running) {
                wait = loaderWake.awaitNanos(wait);
            }
            loadRequested = false;
            return running;
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            loaderLock.unlock();
        }
    }

    @Override
    public void stop() {
        running = false;
        requestLoad();
        try {
            loader.join();
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
