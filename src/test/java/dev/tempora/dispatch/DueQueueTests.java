package dev.tempora.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempora.dispatch.TaskTimerTests.SettableClock;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** A pool's queue: what the timer hands it ahead of time is given to workers at its runAt, never before. */
class DueQueueTests {

    final SettableClock clock = new SettableClock();
    final DueQueue queue = new DueQueue(clock, Duration.ofMillis(1));

    @Test
    void aRunHandedOverAheadIsGivenOutOnlyOnceDue() throws Exception {
        queue.offer(run("soon", 5, 0));

        assertThat(queue.poll()).isNull();
        assertThat(queue.poll(20, TimeUnit.MILLISECONDS)).isNull();
        assertThat(queue).hasSize(1);

        clock.advanceMillis(5);
        assertThat(handler(queue.poll())).isEqualTo("soon");
        assertThat(queue).isEmpty();
    }

    @Test
    void dueRunsGoFirstInBacklogOrderThenTheRestInSchedOrder() throws Exception {
        queue.offer(run("later, urgent", 3, -10));
        queue.offer(run("due, low", 0, 5));
        queue.offer(run("soon, low", 2, 9));
        queue.offer(run("due, high", -1, 1));

        assertThat(handler(queue.poll())).isEqualTo("due, high");
        assertThat(handler(queue.poll())).isEqualTo("due, low");
        assertThat(queue.poll()).isNull();

        clock.advanceMillis(3);
        assertThat(handler(queue.poll())).isEqualTo("later, urgent");
        assertThat(handler(queue.poll())).isEqualTo("soon, low");
    }

    @Test
    void aWaitingWorkerTakesARunWhenItFallsDue() throws Exception {
        var taken = CompletableFuture.supplyAsync(() -> {
            try {
                return handler(queue.take());
            } catch (InterruptedException interrupted) {
                throw new IllegalStateException(interrupted);
            }
        });
        queue.offer(run("soon", 50, 0));
        Thread.sleep(30);
        assertThat(taken).isNotDone();

        clock.advanceMillis(50);
        assertThat(taken.get(5, TimeUnit.SECONDS)).isEqualTo("soon");
    }

    @Test
    void aRunOnTheRealClockIsTakenAtItsRunAtAndNotBefore() throws Exception {
        var real = new DueQueue(Clock.systemUTC(), Duration.ofMillis(1));
        var runAt = Clock.systemUTC().instant().plusMillis(30);
        real.offer(TaskTimerTests.run("real", runAt, 0, runAt));

        var taken = real.take();

        assertThat(Clock.systemUTC().instant()).isAfterOrEqualTo(runAt);
        assertThat(handler(taken)).isEqualTo("real");
    }

    @Test
    void whileARunIsNotYetDueOneIdleWorkerWaitsForItAndTheOthersSleep() throws Exception {
        // A long maxWait, so that the thread waiting for the run stays parked, as do the others.
        var patient = new DueQueue(clock, Duration.ofHours(1));
        var workers = startWorkers(patient, 4);
        patient.offer(run("in a minute", 60_000, 0));

        // As a ScheduledThreadPoolExecutor's workers do: one waits for the runAt, the rest until
        // woken, so one run falling due wakes one worker and not every idle one at once.
        awaitStates(workers, Map.of(Thread.State.TIMED_WAITING, 1L, Thread.State.WAITING, 3L));

        workers.forEach(Thread::interrupt);
    }

    @Test
    void asManyWaitingWorkersWakeAsRunsFallDue() throws Exception {
        var taken = new LinkedBlockingQueue<String>();
        var workers = startWorkers(queue, 4, taken);
        for (int i = 0; i < 4; i++) {
            queue.offer(run("run " + i, 50, 0));
        }
        awaitStates(workers, Map.of(Thread.State.TIMED_WAITING, 1L, Thread.State.WAITING, 3L));

        clock.advanceMillis(50);

        var names = new ArrayList<String>();
        for (int i = 0; i < 4; i++) {
            names.add(taken.poll(5, TimeUnit.SECONDS));
        }
        assertThat(names).containsExactlyInAnyOrder("run 0", "run 1", "run 2", "run 3");
        workers.forEach(Thread::interrupt);
    }

    @Test
    void aRunDueSoonerThanTheAwaitedOneIsTakenAtItsOwnRunAt() throws Exception {
        var real = new DueQueue(Clock.systemUTC(), Duration.ofHours(1));
        var taken = new LinkedBlockingQueue<String>();
        var workers = startWorkers(real, 2, taken);
        var now = Clock.systemUTC().instant();
        real.offer(TaskTimerTests.run("in a minute", now.plusSeconds(60), 0, now));
        awaitStates(workers, Map.of(Thread.State.TIMED_WAITING, 1L, Thread.State.WAITING, 1L));

        real.offer(TaskTimerTests.run("soon", Clock.systemUTC().instant().plusMillis(30), 0, now));

        assertThat(taken.poll(5, TimeUnit.SECONDS)).isEqualTo("soon");
        workers.forEach(Thread::interrupt);
    }

    @Test
    void drainingGivesBackEverythingDueOrNot() {
        queue.offer(run("due", 0, 0));
        queue.offer(run("soon", 10, 0));

        var drained = new ArrayList<Runnable>();
        assertThat(queue.drainTo(drained)).isEqualTo(2);

        assertThat(drained).extracting(DueQueueTests::handler).containsExactly("due", "soon");
        assertThat(queue).isEmpty();
    }

    private static List<Thread> startWorkers(DueQueue queue, int count) {
        return startWorkers(queue, count, new LinkedBlockingQueue<>());
    }

    /** Threads that each take runs from {@code queue} and put their handlers' names in {@code taken}. */
    private static List<Thread> startWorkers(DueQueue queue, int count, BlockingQueue<String> taken) {
        var workers = new ArrayList<Thread>();
        for (int i = 0; i < count; i++) {
            workers.add(Thread.ofPlatform().daemon().name("worker-" + i).start(() -> {
                try {
                    while (true) {
                        taken.add(handler(queue.take()));
                    }
                } catch (InterruptedException stopped) {
                    // The test is over.
                }
            }));
        }
        return workers;
    }

    /** Waits until the workers are in these states, so many in each, for up to 5 s. */
    private static void awaitStates(List<Thread> workers, Map<Thread.State, Long> expected)
            throws InterruptedException {
        Map<Thread.State, Long> states = Map.of();
        for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5); System.nanoTime() < end; ) {
            states = workers.stream().collect(Collectors.groupingBy(Thread::getState, Collectors.counting()));
            if (states.equals(expected)) {
                return;
            }
            Thread.sleep(5);
        }
        assertThat(states).as("the workers' states").isEqualTo(expected);
    }

    private TaskRun run(String name, long inMillis, int priority) {
        return TaskTimerTests.run(name, clock.instant().plusMillis(inMillis), priority, clock.instant());
    }

    private static String handler(Runnable run) {
        return ((TaskRun) run).task().handler();
    }
}
