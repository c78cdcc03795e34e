package dev.tempora.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempora.task.TaskId;
import java.time.Clock;
import java.time.Instant;
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

        assertThat(tracker.startAhead(id, claim, Instant.EPOCH)).isTrue();
        assertThat(tracker.cancelBegins(id)).contains(claim);
    }

    @Test
    void aTaskStartedAheadReadsAsStartedUntilItsClaimCommits() {
        tracker.hold(id, tracker.cancelMark());
        assertThat(tracker.startedAhead(id)).as("held, not started").isEmpty();
        var startedAt = Instant.parse("2026-12-04T22:00:00.123456Z");

        tracker.startAhead(id, claim, startedAt);
        assertThat(tracker.startedAhead(id)).contains(startedAt);

        claim.complete(true);
        assertThat(tracker.startedAhead(id)).as("the database says so now").isEmpty();
    }

    @Test
    void aTaskThatMustBeClaimedFirstNeverReadsAsStartedAhead() {
        tracker.hold(id, tracker.cancelMark());
        tracker.cancelBegins(id);

        tracker.startAhead(id, claim, Instant.EPOCH);
        assertThat(tracker.startedAhead(id)).isEmpty();
    }

    @Test
    void aCancelBeforeTheStartMakesTheTaskClaimFirst() {
        tracker.hold(id, tracker.cancelMark());

        assertThat(tracker.cancelBegins(id)).as("nothing to wait for").isEmpty();
        tracker.cancelEnds();

        assertThat(tracker.startAhead(id, claim, Instant.EPOCH)).isFalse();
    }

    @Test
    void aCancelBegunAfterTheTaskWasReadMakesItClaimFirstThoughItWasNotHeldThen() {
        long mark = tracker.cancelMark();
        assertThat(tracker.cancelBegins(id)).isEmpty();
        tracker.cancelEnds();

        tracker.hold(id, mark);

        assertThat(tracker.startAhead(id, claim, Instant.EPOCH)).isFalse();
    }

    @Test
    void aCancelUnderWayWhenTheTaskWasReadMakesItClaimFirst() {
        tracker.cancelBegins(TaskId.next(Clock.systemUTC()));
        long mark = tracker.cancelMark();
        tracker.cancelEnds();

        tracker.hold(id, mark);

        assertThat(tracker.startAhead(id, claim, Instant.EPOCH)).isFalse();
    }

    @Test
    void cancelsThatEndedBeforeTheTaskWasReadChangeNothing() {
        tracker.cancelBegins(TaskId.next(Clock.systemUTC()));
        tracker.cancelEnds();

        tracker.hold(id, tracker.cancelMark());

        assertThat(tracker.startAhead(id, claim, Instant.EPOCH)).isTrue();
    }

    @Test
    void aTaskNoLongerHeldDoesNotStart() {
        tracker.hold(id, tracker.cancelMark());
        tracker.forget(id);

        assertThat(tracker.startAhead(id, claim, Instant.EPOCH)).isFalse();
    }
}
