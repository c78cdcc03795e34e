package dev.tempora.task;

import static dev.tempora.task.TaskState.CANCELLED;
import static dev.tempora.task.TaskState.FAILED;
import static dev.tempora.task.TaskState.QUEUED;
import static dev.tempora.task.TaskState.RUNNING;
import static dev.tempora.task.TaskState.SCHEDULED;
import static dev.tempora.task.TaskState.SUCCEEDED;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class TaskStateTests {

    @Test
    void onlyTheTableTransitionsAreAllowed() {
        assertThat(SCHEDULED.canBecome(RUNNING)).isTrue();
        assertThat(SCHEDULED.canBecome(CANCELLED)).isTrue();
        assertThat(QUEUED.canBecome(RUNNING))
                .as("QUEUED is stored as SCHEDULED")
                .isTrue();
        assertThat(SCHEDULED.canBecome(SUCCEEDED)).isFalse();
        assertThat(RUNNING.canBecome(SUCCEEDED)).isTrue();
        assertThat(RUNNING.canBecome(FAILED)).isTrue();
        assertThat(RUNNING.canBecome(CANCELLED)).isTrue();
        assertThat(RUNNING.canBecome(SCHEDULED))
                .as("released for another attempt")
                .isTrue();
        for (var done : new TaskState[] {SUCCEEDED, FAILED, CANCELLED}) {
            for (var next : TaskState.values()) {
                assertThat(done.canBecome(next)).as(done + " -> " + next).isFalse();
            }
        }
    }

    @Test
    void scheduledTaskWhoseTimeHasComeIsObservedQueued() {
        var now = Instant.parse("2026-11-22T10:00:00Z");
        assertThat(SCHEDULED.observedAt(now.plusMillis(1), now)).isEqualTo(SCHEDULED);
        assertThat(SCHEDULED.observedAt(now, now)).isEqualTo(QUEUED);
        assertThat(SCHEDULED.observedAt(now.minusSeconds(5), now)).isEqualTo(QUEUED);
        assertThat(RUNNING.observedAt(now.minusSeconds(5), now)).isEqualTo(RUNNING);
    }

    @Test
    void doneMeansSucceededFailedOrCancelled() {
        assertThat(TaskState.values()).filteredOn(TaskState::isDone).containsExactly(SUCCEEDED, FAILED, CANCELLED);
    }
}
