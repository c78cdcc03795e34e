package dev.tempora.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempora.dispatch.TaskTimerTests.SettableClock;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
    void aWorkerThatWaitedTakesWhatFellDueMeanwhileSoonestFirst() throws Exception {
        // It wakes a little after the runAt it waited for: the run due a moment later, of a lower
        // priority value, is no backlog, and went first.
        queue.offer(run("sooner, low", 5, 10));
        queue.offer(run("later, urgent", 6, -10));
        var taken = CompletableFuture.supplyAsync(() -> {
            try {
                return handler(queue.take());
            } catch (InterruptedException interrupted) {
                throw new IllegalStateException(interrupted);
            }
        });
        Thread.sleep(30);
        assertThat(taken).isNotDone();

        clock.advanceMillis(10);
        assertThat(taken.get(5, TimeUnit.SECONDS)).isEqualTo("sooner, low");
        assertThat(handler(queue.poll())).isEqualTo("later, urgent");
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
    void drainingGivesBackEverythingDueOrNot() {
        queue.offer(run("due", 0, 0));
        queue.offer(run("soon", 10, 0));

        var drained = new ArrayList<Runnable>();
        assertThat(queue.drainTo(drained)).isEqualTo(2);

        assertThat(drained).extracting(DueQueueTests::handler).containsExactly("due", "soon");
        assertThat(queue).isEmpty();
    }

    @Test
    void sheddingKeepsTheMostUrgentDueRunsAndLeavesTheRestAlone() {
        queue.offer(run("due, low", 0, 5));
        queue.offer(run("due, high", 0, -1));
        queue.offer(run("due, normal", 0, 0));
        queue.offer(run("soon", 10, -5));

        var shed = queue.shed(1);

        assertThat(shed).extracting(DueQueueTests::handler).containsExactlyInAnyOrder("due, normal", "due, low");
        assertThat(queue.shed(1)).isEmpty();
        assertThat(handler(queue.poll())).isEqualTo("due, high");
        assertThat(queue.poll()).isNull();
        clock.advanceMillis(10);
        assertThat(handler(queue.poll())).as("not due when shedding: kept").isEqualTo("soon");
    }

    private TaskRun run(String name, long inMillis, int priority) {
        return TaskTimerTests.run(name, clock.instant().plusMillis(inMillis), priority, clock.instant());
    }

    private static String handler(Runnable run) {
        return ((TaskRun) run).task().handler();
    }
}
