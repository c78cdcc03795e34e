package dev.tempora.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempora.task.DueTask;
import dev.tempora.task.TaskId;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The in-memory timer with a clock moved by hand. */
class TaskTimerTests {

    /** A clock tests move by hand, as db-scheduler's SettableClock. */
    static final class SettableClock extends Clock {
        private volatile Instant now = Instant.parse("2026-11-22T10:00:00Z");

        void advanceMillis(long millis) {
            now = now.plusMillis(millis);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    final SettableClock clock = new SettableClock();
    final List<String> released = new CopyOnWriteArrayList<>();
    final TaskTimer timer = new TaskTimer(clock, run -> released.add(run.task().handler()));

    @AfterEach
    void stop() throws InterruptedException {
        timer.stop();
    }

    @Test
    void releasesNothingBeforeItsTimeAndEverythingDueInSchedOrder() throws Exception {
        timer.start();
        timer.addAll(List.of(task("c", 200, 0)));
        timer.addAll(List.of(task("b", 100, 5)));
        timer.addAll(List.of(task("a", 100, -1)));
        timer.addAll(List.of(task("later", 10_000, -9)));
        Thread.sleep(50);
        assertThat(released).isEmpty();

        clock.advanceMillis(150);
        timer.wake();
        awaitReleased(2);
        assertThat(released).containsExactly("a", "b");

        clock.advanceMillis(100);
        timer.wake();
        awaitReleased(3);
        Thread.sleep(50);
        assertThat(released).containsExactly("a", "b", "c");
        assertThat(timer.size()).isEqualTo(1);
    }

    /**
     * Overdue runs, as a restart loads them, are handed over most urgent first: the first may go
     * straight to an idle worker. In sched order, the run overdue longest went first, whatever its
     * priority (an H2 audit, after each of 5 {@code kill -9} restarts).
     */
    @Test
    void runsDueTogetherAreReleasedInBacklogOrder() throws Exception {
        assertThat(timer.addAll(List.of(
                        task("overdue-longest", -60_000, 9),
                        task("urgent", -30_000, -3),
                        task("plain", -29_000, 0),
                        task("plain-later", -28_000, 0))))
                .as("refused")
                .isEmpty();
        timer.start();
        awaitReleased(4);
        assertThat(released).containsExactly("urgent", "plain", "plain-later", "overdue-longest");
    }

    @Test
    void anEarlierTaskAddedLaterWakesTheTimer() throws Exception {
        var real =
                new TaskTimer(Clock.systemUTC(), run -> released.add(run.task().handler()));
        real.start();
        try {
            var now = Instant.now();
            real.addAll(List.of(run("late", now.plusSeconds(60), 0, now)));
            real.addAll(List.of(run("soon", now.plusMillis(100), 0, now)));
            awaitReleased(1);
            assertThat(released).containsExactly("soon");
        } finally {
            real.stop();
        }
    }

    /** A run of a task with no arguments, callback or runner, for timers and queues alone. */
    static TaskRun run(String handler, Instant runAt, int priority, Instant createdAt) {
        return new TaskRun(
                new DueTask(
                        TaskId.next(Clock.systemUTC()),
                        handler,
                        null,
                        priority,
                        runAt,
                        null,
                        "default",
                        createdAt,
                        Set.of()),
                null,
                null);
    }

    @Test
    void aRunAddedOnceStoppedIsRefusedAndNeverReleased() throws Exception {
        timer.start();
        assertThat(timer.addAll(List.of(task("before", 0, 0)))).isEmpty();
        awaitReleased(1);
        assertThat(timer.stop()).isEmpty();
        // Its caller hands it back instead: taken here, it waited, released by nobody.
        var after = task("after", 0, 0);
        assertThat(timer.addAll(List.of(after))).containsExactly(after);
        var late = List.of(task("after too", 0, 0));
        assertThat(timer.addAll(late)).isEqualTo(late);
        assertThat(timer.size()).isZero();
        assertThat(released).containsExactly("before");
    }

    private TaskRun task(String name, long inMillis, int priority) {
        return run(name, clock.instant().plusMillis(inMillis), priority, clock.instant());
    }

    private void awaitReleased(int count) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (released.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(released).hasSizeGreaterThanOrEqualTo(count);
    }
}
