package dev.tempora.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempora.task.TaskId;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Where a worker starting a task ahead of its claim meets a cancel of that task: a task may start
 * ahead only if no cancel can have been decided for it since it was read or stored.
 */
class TaskTrackerTests {

    private final TaskTracker tracker = new TaskTracker();
    private final TaskId id = TaskId.next(Clock.systemUTC());
    private final CompletableFuture<Boolean> claim = new CompletableFuture<>();

    @Test
    void aTaskNoCancelCameForStartsAheadAndACancelThenWaitsForItsClaim() {
        assertThat(tracker.hold(id, tracker.cancelMark())).isTrue();

        assertThat(tracker.startAhead(id, claim)).isTrue();
        assertThat(tracker.cancelBegins(id)).contains(claim);
    }

    @Test
    void aCancelBeforeTheStartMakesTheTaskClaimFirst() {
        tracker.hold(id, tracker.cancelMark());

        assertThat(tracker.cancelBegins(id)).as("nothing to wait for").isEmpty();
        tracker.cancelEnds();

        assertThat(tracker.startAhead(id, claim)).isFalse();
    }

    @Test
    void aCancelBegunAfterTheTaskWasReadMakesItClaimFirstThoughItWasNotHeldThen() {
        long mark = tracker.cancelMark();
        assertThat(tracker.cancelBegins(id)).isEmpty();
        tracker.cancelEnds();

        tracker.hold(id, mark);

        assertThat(tracker.startAhead(id, claim)).isFalse();
    }

    @Test
    void aCancelUnderWayWhenTheTaskWasReadMakesItClaimFirst() {
        tracker.cancelBegins(TaskId.next(Clock.systemUTC()));
        long mark = tracker.cancelMark();
        tracker.cancelEnds();

        tracker.hold(id, mark);

        assertThat(tracker.startAhead(id, claim)).isFalse();
    }

    @Test
    void cancelsThatEndedBeforeTheTaskWasReadChangeNothing() {
        tracker.cancelBegins(TaskId.next(Clock.systemUTC()));
        tracker.cancelEnds();

        tracker.hold(id, tracker.cancelMark());

        assertThat(tracker.startAhead(id, claim)).isTrue();
    }

    @Test
    void aTaskNoLongerHeldDoesNotStart() {
        tracker.hold(id, tracker.cancelMark());
        tracker.forget(id);

        assertThat(tracker.startAhead(id, claim)).isFalse();
    }
}
