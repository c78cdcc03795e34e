package dev.tempora.task;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Long polls wake at a stop, and do not wait while stopped; after a start they wait again. */
class TaskCompletionsTests {

    private final TaskCompletions completions = new TaskCompletions();
    private final TaskId id = TaskId.next(Clock.systemUTC());

    @Test
    void aStopWakesEveryWaiterAndLaterOnesDoNotWait() {
        completions.start();
        var open = completions.whenSignalled(id, Duration.ofMinutes(1));
        var other = completions.whenSignalled(TaskId.next(Clock.systemUTC()), Duration.ofMinutes(1));
        assertThat(open).isNotDone();

        completions.stop();
        assertThat(open).isCompleted();
        assertThat(other).isCompleted();
        assertThat(completions.whenSignalled(id, Duration.ofMinutes(1))).isCompleted();
        assertThat(completions.waitedOn()).isEmpty();

        completions.start();
        assertThat(completions.whenSignalled(id, Duration.ofMinutes(1))).isNotDone();
    }

    @Test
    void beforeTheFirstStartPollsWait() {
        assertThat(completions.whenSignalled(id, Duration.ofMinutes(1))).isNotDone();
        completions.signal(id);
        assertThat(completions.waitedOn()).isEmpty();
    }

    /** A poll of an unknown or ended task answers at once; it stayed registered for its whole wait (review). */
    @Test
    void aWaiterThatAnswersWithoutWaitingLeavesAtOnce() {
        completions.start();
        var answered = completions.whenSignalled(id, Duration.ofMinutes(1));
        var waiting = completions.whenSignalled(id, Duration.ofMinutes(1));
        answered.complete(null);
        assertThat(completions.waitedOn()).containsExactly(id);

        waiting.complete(null);
        assertThat(completions.waitedOn()).isEmpty();
    }
}
