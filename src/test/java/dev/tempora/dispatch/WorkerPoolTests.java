package dev.tempora.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempora.task.DueTask;
import dev.tempora.task.TaskId;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A pool given a task ahead of its runAt starts it at its runAt: an executor short of its core
 * size would hand the task straight to a new worker, past the queue that holds it.
 */
class WorkerPoolTests {

    final Clock clock = Clock.systemUTC();
    final CompletableFuture<Instant> started = new CompletableFuture<>();

    /** Only says when a worker started the run. */
    final TaskRunner runner = new TaskRunner(null, null, null, clock, null, null, null, null) {
        @Override
        void run(TaskRun run) {
            started.complete(clock.instant());
        }
    };

    final WorkerPool pool = new WorkerPool("early", 2, clock);

    @AfterEach
    void stop() throws InterruptedException {
        pool.stopAccepting();
        pool.awaitIdle(Duration.ofSeconds(5));
        runner.destroy();
    }

    @Test
    void aStartedPoolDoesNotHandAnEarlyTaskStraightToANewWorker() throws Exception {
        pool.restart(); // as the dispatcher does when it starts

        assertStartsAtItsRunAt();
    }

    @Test
    void aGrownPoolDoesNotHandAnEarlyTaskStraightToANewWorker() throws Exception {
        pool.restart();
        pool.resize(4);

        assertStartsAtItsRunAt();
    }

    @Test
    void theShareOfWaitingTasksIsWhatTheWorkersStartWithinTheSpanAtTheirTimePerTask() throws Exception {
        pool.restart();
        assertThat(pool.waitingShare(Duration.ofSeconds(1)))
                .as("nothing ran yet")
                .isEqualTo(Integer.MAX_VALUE);

        var slow = new TaskRunner(null, null, null, clock, null, null, null, null) {
            @Override
            void run(TaskRun run) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                }
                started.complete(clock.instant());
            }
        };
        try {
            pool.execute(run(clock.instant(), slow));
            started.get(5, TimeUnit.SECONDS);
            // The worker's time is counted once the run has returned (afterExecute).
            int share = Integer.MAX_VALUE;
            for (long deadline = System.nanoTime() + 5_000_000_000L;
                    share == Integer.MAX_VALUE && System.nanoTime() < deadline; ) {
                Thread.sleep(5);
                share = pool.waitingShare(Duration.ofSeconds(1));
            }

            // 2 workers, ~50 ms (or more: on a loaded machine a sleep of 50 ms took 111) a task: about 40 in 1 s.
            assertThat(share).isBetween(10, 40);
            assertThat(pool.waitingShare(Duration.ofMillis(10)))
                    .as("nothing ran since: the same mean; less than one task in 10 ms")
                    .isZero();
        } finally {
            slow.destroy();
        }
    }

    @Test
    void workersBusyFarLongerThanTheirMeanStartNothingWithinTheSpan() throws Exception {
        pool.restart();
        var release = new CountDownLatch(1);
        var begun = new CountDownLatch(2);
        var holding = new TaskRunner(null, null, null, clock, null, null, null, null) {
            @Override
            void run(TaskRun run) {
                begun.countDown();
                try {
                    release.await();
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        try {
            // Short tasks first: a mean of well under a millisecond.
            for (int i = 0; i < 20; i++) {
                pool.execute(run(clock.instant(), runner));
            }
            awaitShare(share -> share < Integer.MAX_VALUE);
            pool.execute(run(clock.instant(), holding));
            for (long deadline = System.nanoTime() + 5_000_000_000L;
                    begun.getCount() == 2 && System.nanoTime() < deadline; ) {
                Thread.sleep(1);
            }
            assertThat(pool.waitingShare(Duration.ofSeconds(1)))
                    .as("one worker busy, one idle: the idle one starts many short tasks in the span")
                    .isGreaterThan(10);
            pool.execute(run(clock.instant(), holding));
            assertThat(begun.await(5, TimeUnit.SECONDS)).isTrue();
            Thread.sleep(250);
            // Both have run their tasks past the span, far past the mean: none frees within it. The
            // mean alone (nothing ended since) kept a share of hundreds waiting behind them.
            assertThat(pool.waitingShare(Duration.ofMillis(200))).isZero();
            assertThat(pool.waitingShare(Duration.ofSeconds(5)))
                    .as("within a longer span, each may end (in as long again as it ran) and go on")
                    .isPositive();
        } finally {
            release.countDown();
            holding.destroy();
        }
    }

    private void awaitShare(IntPredicate done) throws InterruptedException {
        for (long deadline = System.nanoTime() + 5_000_000_000L; System.nanoTime() < deadline; ) {
            if (done.test(pool.waitingShare(Duration.ofSeconds(1)))) {
                return;
            }
            Thread.sleep(5);
        }
        throw new AssertionError("no share within 5 s");
    }

    @Test
    void aGrownPoolCountsOnlyTheWorkersRunningATaskAsActive() throws Exception {
        pool.restart();
        for (int round = 0; round < 20; round++) {
            pool.resize(64); // new workers, their threads only just started
            assertThat(pool.status().activeThreads()).as("nothing runs").isZero();
            pool.resize(1);
        }

        var release = new CountDownLatch(1);
        var holding = new TaskRunner(null, null, null, clock, null, null, null, null) {
            @Override
            void run(TaskRun run) {
                started.complete(clock.instant());
                try {
                    release.await();
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        try {
            pool.execute(run(clock.instant(), holding));
            started.get(5, TimeUnit.SECONDS);
            assertThat(pool.status().activeThreads()).as("one task runs").isEqualTo(1);
        } finally {
            release.countDown();
            holding.destroy();
        }
    }

    private void assertStartsAtItsRunAt() throws Exception {
        var runAt = clock.instant().plusMillis(40);

        pool.execute(run(runAt, runner));

        assertThat(started.get(5, TimeUnit.SECONDS)).isAfterOrEqualTo(runAt);
    }

    private TaskRun run(Instant runAt, TaskRunner runner) {
        return new TaskRun(
                new DueTask(TaskId.next(clock), "early", null, 0, runAt, null, "early", clock.instant(), Set.of()),
                runner,
                null);
    }
}
