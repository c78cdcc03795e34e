package dev.tempora.dispatch;

import dev.tempora.task.DueTask;
import dev.tempora.task.DueTaskFinder;
import dev.tempora.task.TaskTransitions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Reserves due tasks from the database into memory, in passes, for the {@link Dispatcher}, which
 * starts and stops it with itself. A pass comes at each load interval, when asked for ({@link
 * #requestLoad}: tasks freed by other nodes, a submission's reservation in doubt), as soon as the
 * pools run low while a backlog waits in the database ({@link #taskLeft}), and, alone, at once
 * while memory has room for the next batch of a backlog.
 *
 * <p>A pass reserves up to a batch of SCHEDULED tasks due within the look-ahead window (the task's
 * owner becomes this node), earliest due first, within what this node may hold: with other
 * instances, each pool's share of the work ({@link #shareWork}); alone, {@code maxInMemory}, with
 * a share of it kept for each pool ({@link #owedShares}). Each run it loads goes to the dispatcher
 * ({@link Dispatch#loaded}), which times it once its submission, if any, has told of it.
 */
@Component
class Loader {

    private static final Logger log = LoggerFactory.getLogger(Loader.class);

    /**
     * With other instances, each pool keeps waiting what its workers start within this many load
     * intervals: a pass then comes before they run out, once they are down to half of it.
     */
    private static final int SHARE_INTERVALS = 2;

    /** How long a stop waits for the pass under way. */
    private static final Duration STOP_WAIT = Duration.ofSeconds(5);

    /** What the loader needs of the dispatcher it fills. */
    interface Dispatch {

        /** Whether the dispatcher runs: the loader's passes go on until it stops. */
        boolean isRunning();

        /**
         * Takes {@code runs}, reserved by one pass and held here, to start each at its {@code runAt}:
         * together, so that those already due start in backlog order.
         */
        void loaded(List<TaskRun> runs);
    }

    private final DispatchProperties properties;
    private final WorkerPools pools;
    private final TaskRunner runner;
    private final TaskTracker tracker;
    private final TaskTransitions transitions;
    private final DueTaskFinder finder;
    private final Node node;
    private final DispatchMetrics metrics;
    private final Clock clock;

    // Given at each start, before the loader's thread starts, and read by that thread only.
    private TaskTimer timer;
    private Dispatch dispatch;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private boolean loadRequested;
    /** The loader's thread of the latest start: one a stop gave up waiting for ends once another starts. */
    private volatile Thread thread;

    /** Tasks due before this instant are loaded, or go into the timer when submitted here. */
    private volatile Instant horizon = Instant.MIN;

    /**
     * Whether a backlog may wait in the database (a pass took all it asked for, or a submission
     * found no room): then drained pools ask for a pass, which clears it ({@link #taskLeft}).
     */
    private volatile boolean backlog;

    /**
     * While other instances share the database, the most tasks this node holds: its workers plus
     * what they start within two load intervals ({@link #shareWork}); no limit alone.
     */
    private volatile int holdLimit = Integer.MAX_VALUE;

    /** With a {@link #holdLimit}, the least room worth a loader pass: half the tasks held to wait. */
    private volatile int refillAt = 1;

    /** Whether the loader's last pass took all it asked for (more may be due): the loader's own. */
    private boolean passFilled;

    /**
     * A reservation failed, or a submission crossed a rejoin: tasks may be reserved for this node
     * that it does not hold, which every loader skips. The next pass takes them up.
     */
    private volatile boolean reservationsUnknown;

    Loader(
            DispatchProperties properties,
            WorkerPools pools,
            TaskRunner runner,
            TaskTracker tracker,
            TaskTransitions transitions,
            DueTaskFinder finder,
            Node node,
            DispatchMetrics metrics,
            Clock clock) {
        this.properties = properties;
        this.pools = pools;
        this.runner = runner;
        this.tracker = tracker;
        this.transitions = transitions;
        this.finder = finder;
        this.node = node;
        this.metrics = metrics;
        this.clock = clock;
    }

    /**
     * As the dispatcher starts: no submission goes into the timer until the first pass has set the
     * window (the last one was the previous start's).
     */
    void resetHorizon() {
        horizon = Instant.MIN;
    }

    /** Starts the passes, which load into {@code timer} for {@code dispatch} until it stops running. */
    void start(TaskTimer timer, Dispatch dispatch) {
        this.timer = timer;
        this.dispatch = dispatch;
        var loader = Thread.ofPlatform().name("tempora-loader").daemon(true).unstarted(this::loadLoop);
        thread = loader;
        loader.start();
    }

    /**
     * Once the dispatcher no longer runs: wakes the loader, and waits for its pass under way to end,
     * {@link #STOP_WAIT} at most. With the database away, a pass waits for a connection or an answer
     * far longer; what it loads after this, the stopped timer refuses and the dispatcher hands back.
     */
    void stop() throws InterruptedException {
        requestLoad();
        if (!thread.join(STOP_WAIT)) {
            log.warn("A loader pass is still under way after {}; the stop goes on", STOP_WAIT);
        }
    }

    /** The end of the window: a submission here due before it may go straight into the timer. */
    Instant horizon() {
        return horizon;
    }

    /** The most tasks this node holds while other instances share the database; no limit alone. */
    int holdLimit() {
        return holdLimit;
    }

    /**
     * A task due within the window stays in the database (a submission here found no room for it):
     * the next pass comes as soon as the pools run low ({@link #taskLeft}).
     */
    void markBacklog() {
        backlog = true;
    }

    /** Tasks may be reserved for this node that it does not hold: the next pass takes them up. */
    void markReservationsUnknown() {
        reservationsUnknown = true;
    }

    private void loadLoop() {
        // When the passes began to fail: the first pass that works after them says so, which marks
        // the end of a database outage in the log (its start is the first failure's warning).
        boolean failing = false;
        long failingSince = 0;
        while (dispatch.isRunning() && isCurrent()) {
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
            } catch (RuntimeException | Error failed) {
                if (!failing) {
                    failing = true;
                    failingSince = System.nanoTime();
                }
                if (failed instanceof RuntimeException databaseTrouble) {
                    log.warn("Loading due tasks failed, will retry: {}", databaseTrouble.toString());
                } else {
                    // Not the end of the loader: without it, nothing due would ever be loaded again.
                    log.error("Loading due tasks failed, will retry", failed);
                }
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
        var owed = rooms.isEmpty() ? owedShares() : Map.<String, Integer>of();
        int owedTotal = owed.values().stream().mapToInt(Integer::intValue).sum();
        int room = Math.min(memoryRoom - owedTotal, properties.claimBatch());
        if ((room <= 0 && owedTotal == 0) || !node.listedNow()) {
            return; // full, or perhaps out of the node list: what it reserved would be nobody's
        }
        var windowEnd = clock.instant().plus(properties.lookAhead());
        if (room > 0 && windowEnd.isAfter(horizon)) {
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
                boolean backlogLeft = room <= 0;
                if (room > 0) {
                    int before = reserved.size();
                    reserve(windowEnd, room, DueTaskFinder.Pools.ALL, reserved);
                    // Filled, and the room after it is short of another such batch: memory is tight.
                    backlogLeft = reserved.size() - before == room && memoryRoom - owedTotal < 2L * room;
                }
                if (backlogLeft) {
                    reserveOwed(windowEnd, owed, reserved);
                }
            } else {
                var unlimited = allBut(rooms.stream().map(PoolRoom::pool).toList());
                if (unlimited != null) {
                    reserve(windowEnd, room, unlimited, reserved);
                }
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
        if (!isCurrent()) {
            // A pass a stop gave up waiting for, ending after the next start: what it reserved is
            // under the earlier node id, which counts as nobody's, and the tracker is the new run's.
            log.warn(
                    "A loader pass of before a restart ended late; its {} tasks are left to the loaders",
                    reserved.size());
            return;
        }
        var loaded = new ArrayList<TaskRun>(reserved.size());
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
            loaded.add(runner.prepare(task));
        }
        if (!loaded.isEmpty()) {
            dispatch.loaded(loaded);
            log.debug("Loaded {} due tasks ({} in memory)", loaded.size(), tracker.size());
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
        return DueTaskFinder.Pools.except(configuredBesidesDefault());
    }

    /** The names of the pools configured here other than the default pool. */
    private List<String> configuredBesidesDefault() {
        return pools.all().stream()
                .map(WorkerPool::name)
                .filter(name -> !name.equals(WorkerPools.DEFAULT))
                .toList();
    }

    /**
     * The tasks of every pool but {@code names}, or null when that leaves none. Those of pools not
     * configured here run on the default pool: with the default among {@code names}, they are left
     * out too (taken beside a limited default pool, they went past its share).
     */
    private DueTaskFinder.@Nullable Pools allBut(List<String> names) {
        if (!names.contains(WorkerPools.DEFAULT)) {
            return DueTaskFinder.Pools.except(names);
        }
        var others = configuredBesidesDefault().stream()
                .filter(name -> !names.contains(name))
                .toList();
        return others.isEmpty() ? null : DueTaskFinder.Pools.among(others);
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
        lock.lock();
        try {
            long wait = properties.loadInterval().toNanos();
            while (!loadRequested && wait > 0 && dispatch.isRunning()) {
                wait = wake.awaitNanos(wait);
            }
            if (isCurrent()) {
                loadRequested = false; // the request is the latest start's loader's
            }
            return dispatch.isRunning();
        } catch (InterruptedException interrupted) {
            // Nothing here interrupts the loader. Ended by a stray interrupt, it would leave every
            // task due from now on in the database, silently, until the next start.
            log.warn("The loader was interrupted while waiting for its next pass; it goes on");
            return dispatch.isRunning();
        } finally {
            lock.unlock();
        }
    }

    /** Whether the calling thread is the loader of the latest start. */
    private boolean isCurrent() {
        return Thread.currentThread() == thread;
    }

    /** Asks the loader for a pass now instead of at its next interval. */
    void requestLoad() {
        lock.lock();
        try {
            loadRequested = true;
            // All: a loader a stop gave up waiting for may wait here beside the latest start's.
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** A task left memory: while a backlog waits in the database, keep the pools fed. */
    void taskLeft() {
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
     * Alone with several pools, what each pool holding less than its share of memory is owed, so
     * that no pool's backlog fills memory and holds the others back: a pass takes the earliest due
     * of every pool, so once one pool's overdue tasks filled {@code maxInMemory}, the tasks of an
     * idle pool stayed in the database until that backlog had drained past their {@code runAt}
     * ({@code PoolBehindFullMemoryTests}). Each pool's share is a batch, or less where memory is
     * small (at most half of it for all pools together); none when there are more pools than half
     * of memory. The common pass leaves room for what is owed, and once memory is that tight and a
     * backlog is left in the database, each pool owed some takes it from its own due tasks
     * ({@link #reserveOwed}), past {@code maxInMemory} if other pools' tasks were submitted beyond
     * their part: by at most the shares.
     */
    private Map<String, Integer> owedShares() {
        var all = pools.all();
        if (all.size() < 2) {
            return Map.of();
        }
        long share = Math.min(properties.claimBatch(), properties.maxInMemory() / (2L * all.size()));
        if (share < 1) {
            return Map.of();
        }
        var inTimer = inTimerByPool();
        var owed = new HashMap<String, Integer>();
        for (var pool : all) {
            long held = held(pool, inTimer);
            if (held < share) {
                owed.put(pool.name(), (int) (share - held));
            }
        }
        return owed;
    }

    /**
     * Reserves for each pool what it is still {@code owed} beyond what this pass reserved of it, from
     * its own due tasks. A query of one pool reads past the other pools' backlog in {@code
     * task_due}: it runs only while memory is tight and a backlog waits.
     */
    private void reserveOwed(Instant windowEnd, Map<String, Integer> owed, List<DueTask> reserved) {
        var given = new HashMap<String, Integer>();
        reserved.forEach(task -> given.merge(pools.runsOn(task.pool()), 1, Integer::sum));
        for (var entry : owed.entrySet()) {
            int take = entry.getValue() - given.getOrDefault(entry.getKey(), 0);
            if (take > 0) {
                reserve(windowEnd, take, ofPool(entry.getKey()), reserved);
            }
        }
    }

    /**
     * The least room worth a reservation for a share of {@code waiting} tasks: half of it, but
     * never more than half of what one pass may take, or a pool with a large share (tasks that take
     * no time) would never be worth one.
     */
    private int refillAt(long waiting) {
        return Math.clamp(Math.min(waiting, properties.claimBatch()) / 2, 1, Integer.MAX_VALUE);
    }
}
