package dev.tempora.dispatch;

import dev.tempora.task.DueTask;
import dev.tempora.task.DueTaskFinder;
import dev.tempora.task.TaskCancelled;
import dev.tempora.task.TaskSubmitted;
import dev.tempora.task.TaskTransitions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Gets tasks from the database to the workers, promptly and in sched order.
 *
 * <p>A task submitted here and due within the look-ahead window goes straight into the timer; the
 * loader fills the timer with every other SCHEDULED task as the window reaches it (after a
 * restart, from other writers, or when a backlog exceeds {@code maxInMemory}). The loader reads in
 * sched order with a keyset cursor, so each pass reads only what is new, and sweeps from the start
 * again now and then to pick up tasks that appear behind the cursor (released by a shutdown, or
 * written by another instance).
 */
@Component
class Dispatcher implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

    /** Every this many loader passes, one reads from the start instead of from the cursor. */
    private static final int SWEEP_EVERY = 10;

    private final DispatchProperties properties;
    private final WorkerPools pools;
    private final TaskRunner runner;
    private final TaskTracker tracker;
    private final TaskTransitions transitions;
    private final DueTaskFinder finder;
    private final TransitionWriter writer;
    private final Clock clock;
    private volatile TaskTimer timer;

    private final ReentrantLock loaderLock = new ReentrantLock();
    private final Condition loaderWake = loaderLock.newCondition();
    private boolean loadRequested;
    private volatile boolean sweepRequested = true;
    private Thread loader;

    /** Tasks due before this instant are loaded, or go into the timer when submitted here. */
    private volatile Instant horizon = Instant.MIN;

    private volatile boolean running;

    Dispatcher(
            DispatchProperties properties,
            WorkerPools pools,
            TaskRunner runner,
            TaskTracker tracker,
            TaskTransitions transitions,
            DueTaskFinder finder,
            TransitionWriter writer,
            Clock clock) {
        this.properties = properties;
        this.pools = pools;
        this.runner = runner;
        this.tracker = tracker;
        this.transitions = transitions;
        this.finder = finder;
        this.writer = writer;
        this.clock = clock;
    }

    @Override
    public void start() {
        int recovered = transitions.recoverAll();
        if (recovered > 0) {
            log.warn("{} tasks were RUNNING when the previous process stopped; they will run again", recovered);
        }
        running = true;
        horizon = Instant.MIN;
        tracker.whenDrainedTo(properties.maxInMemory() / 2, this::requestLoad);
        writer.start();
        pools.restart();
        timer = new TaskTimer(clock, this::release);
        timer.start();
        loader = Thread.ofPlatform().name("tempora-loader").daemon(true).start(this::loadLoop);
        log.info(
                "Dispatcher started: look-ahead {}, at most {} tasks in memory",
                properties.lookAhead(),
                properties.maxInMemory());
    }

    @EventListener
    void onSubmitted(TaskSubmitted submitted) {
        var task = submitted.task();
        if (running
                && task.runAt().isBefore(horizon)
                && tracker.size() < properties.maxInMemory()
                && tracker.hold(task.id())) {
            timer.add(task);
        }
    }

    @EventListener
    void onCancelled(TaskCancelled cancelled) {
        if (cancelled.interrupt()) {
            runner.interruptCancelled(cancelled.id());
        }
    }

    private void release(DueTask task) {
        pools.forTask(task.pool()).execute(new TaskRun(task, runner));
    }

    /** Asks the loader for a pass from the start, now instead of at its next interval. */
    void requestLoad() {
        sweepRequested = true;
        loaderLock.lock();
        try {
            loadRequested = true;
            loaderWake.signal();
        } finally {
            loaderLock.unlock();
        }
    }

    private void loadLoop() {
        DueTask cursor = null;
        int pass = 0;
        while (running) {
            try {
                boolean sweep = sweepRequested || cursor == null || ++pass % SWEEP_EVERY == 0;
                sweepRequested = false;
                cursor = loadOnce(sweep ? null : cursor);
            } catch (RuntimeException databaseTrouble) {
                log.warn("Loading due tasks failed, will retry: {}", databaseTrouble.toString());
                cursor = null;
            }
            if (!awaitNextPass()) {
                return;
            }
        }
    }

    /** One loader pass from {@code after} (null: from the start); returns the new cursor. */
    private DueTask loadOnce(DueTask after) {
        int room = properties.maxInMemory() - tracker.size();
        if (room <= 0) {
            return after;
        }
        var windowEnd = clock.instant().plus(properties.lookAhead());
        if (windowEnd.isAfter(horizon)) {
            // Raised before reading: a task committed after the read sees the new horizon and
            // goes into the timer itself.
            horizon = windowEnd;
        }
        var found = finder.findDue(windowEnd, after, room);
        DueTask last = after;
        int loaded = 0;
        for (var task : found) {
            last = task;
            if (tracker.hold(task.id())) {
                timer.add(task);
                loaded++;
            }
        }
        if (found.size() == room) {
            // More are due than fit: what is beyond the last loaded waits in the database.
            // The next pass runs when enough tasks finish (TaskTracker.whenDrainedTo).
            horizon = last.runAt();
        }
        if (loaded > 0) {
            log.debug("Loaded {} due tasks ({} in memory)", loaded, tracker.size());
        }
        return last;
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
            timer.stop();
            var grace = properties.shutdownGrace();
            int waiting = 0;
            for (var pool : pools.all()) {
                for (var run : pool.stopAccepting()) {
                    tracker.forget(run.task().id());
                    waiting++;
                }
            }
            log.info(
                    "Dispatcher stopping: {} waiting tasks stay SCHEDULED, {} running get {} to finish",
                    waiting,
                    runner.runningIds().size(),
                    grace);
            var deadline = System.nanoTime() + grace.toNanos();
            for (var pool : pools.all()) {
                pool.awaitIdle(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            }
            var unfinished = runner.runningIds();
            if (!unfinished.isEmpty()) {
                log.warn("Interrupting {} tasks still running after {}; they will run again", unfinished.size(), grace);
                runner.interruptForShutdown();
                for (var pool : pools.all()) {
                    pool.interruptAll();
                    pool.awaitIdle(Duration.ofSeconds(10));
                }
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
        try {
            writer.stop();
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
        // What the timer still held stays SCHEDULED in the database; a restart loads it again.
        tracker.clear();
        log.info("Dispatcher stopped");
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** How many tasks the timer holds: for tests. */
    int timerSize() {
        return timer.size();
    }
}
