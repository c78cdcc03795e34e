package dev.tempora.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempora.task.TaskId;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Where a worker starting a task ahead of its claim meets a cancel of that task: a task may start
 * ahead only if no cancel can have been decided for it since it was read or stored.
 */
class TaskTrackerTests {

    private static final BooleanSupplier ALONE = () -> true;

    private final TaskTracker tracker = new TaskTracker();
    private final TaskId id = TaskId.next(Clock.systemUTC());
    private final CompletableFuture<Boolean> claim = new CompletableFuture<>();

    @Test
    void aTaskNoCancelCameForStartsAheadAndACancelThenWaitsForItsClaim() {
        assertThat(tracker.hold(id, tracker.cancelMark())).isTrue();

        assertThat(tracker.startAhead(id, claim, Instant.EPOCH, ALONE)).isTrue();
        assertThat(tracker.cancelBegins(id)).contains(claim);
    }

    @Test
    void aTaskStartedAheadReadsAsStartedUntilItsClaimCommits() {
        tracker.hold(id, tracker.cancelMark());
        assertThat(tracker.startedAhead(id)).as("held, not started").isEmpty();
        var startedAt = Instant.parse("2026-12-04T22:00:00.123456Z");

        tracker.startAhead(id, claim, startedAt, ALONE);
        assertThat(tracker.startedAhead(id)).contains(startedAt);

        claim.complete(true);
        assertThat(tracker.startedAhead(id)).as("the database says so now").isEmpty();
    }

    @Test
    void aTaskThatMustBeClaimedFirstNeverReadsAsStartedAhead() {
        tracker.hold(id, tracker.cancelMark());
        tracker.cancelBegins(id);

        tracker.startAhead(id, claim, Instant.EPOCH, ALONE);
        assertThat(tracker.startedAhead(id)).isEmpty();
    }

    @Test
    void aCancelBeforeTheStartMakesTheTaskClaimFirst() {
        tracker.hold(id, tracker.cancelMark());

        assertThat(tracker.cancelBegins(id)).as("nothing to wait for").isEmpty();
        tracker.cancelEnds();

        assertThat(tracker.startAhead(id, claim, Instant.EPOCH, ALONE)).isFalse();
    }

    @Test
    void aCancelBegunAfterTheTaskWasReadMakesItClaimFirstThoughItWasNotHeldThen() {
        long mark = tracker.cancelMark();
        assertThat(tracker.cancelBegins(id)).isEmpty();
        tracker.cancelEnds();

        tracker.hold(id, mark);

        assertThat(tracker.startAhead(id, claim, Instant.EPOCH, ALONE)).isFalse();
    }

    @Test
    void aCancelUnderWayWhenTheTaskWasReadMakesItClaimFirst() {
        tracker.cancelBegins(TaskId.next(Clock.systemUTC()));
        long mark = tracker.cancelMark();
        tracker.cancelEnds();

        tracker.hold(id, mark);

        assertThat(tracker.startAhead(id, claim, Instant.EPOCH, ALONE)).isFalse();
    }

    @Test
    void cancelsThatEndedBeforeTheTaskWasReadChangeNothing() {
        tracker.cancelBegins(TaskId.next(Clock.systemUTC()));
        tracker.cancelEnds();

        tracker.hold(id, tracker.cancelMark());

        assertThat(tracker.startAhead(id, claim, Instant.EPOCH, ALONE)).isTrue();
    }

    @Test
    void aTaskNoLongerHeldDoesNotStart() {
        tracker.hold(id, tracker.cancelMark());
        tracker.forget(id);

        assertThat(tracker.startAhead(id, claim, Instant.EPOCH, ALONE)).isFalse();
    }

    @Test
    void anInstanceNoLongerAloneStartsNothingAhead() {
        tracker.hold(id, tracker.cancelMark());

        assertThat(tracker.startAhead(id, claim, Instant.EPOCH, () -> false)).isFalse();
        assertThat(tracker.runsAheadOfClaims()).isFalse();
    }

    /** What an instance reports to one that has joined it, which waits for it before it cancels. */
    @Test
    void aTaskStartedAheadRunsAheadOfItsClaimUntilTheClaimSettles() {
        tracker.hold(id, tracker.cancelMark());
        assertThat(tracker.runsAheadOfClaims()).as("held, not started").isFalse();

        tracker.startAhead(id, claim, Instant.EPOCH, ALONE);
        assertThat(tracker.runsAheadOfClaims()).isTrue();
        assertThat(tracker.aheadClaimsSettled()).isNotDone();

        claim.complete(false); // found cancelled, say: settled all the same
        assertThat(tracker.runsAheadOfClaims()).isFalse();
        assertThat(tracker.aheadClaimsSettled()).isDone();
    }

    /**
     * A worker that found this instance alone, and has not put its task down as started yet, is
     * counted: the instance may have stopped being alone between the two, and a report that it runs
     * nothing ahead would be wrong a moment later.
     */
    @Test
    void aWorkerBetweenFindingThisInstanceAloneAndStartingAheadIsCounted() throws Exception {
        tracker.hold(id, tracker.cancelMark());
        var foundAlone = new CountDownLatch(1);
        var goOn = new CountDownLatch(1);
        var looks = new AtomicInteger();
        var worker = Thread.ofPlatform()
                .start(() -> tracker.startAhead(id, claim, Instant.EPOCH, () -> {
                    if (looks.incrementAndGet() == 1) {
                        return true; // its first look, before it counts itself in
                    }
                    foundAlone.countDown();
                    try {
                        return goOn.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException interrupted) {
                        return false;
                    }
                }));
        assertThat(foundAlone.await(10, TimeUnit.SECONDS)).isTrue();

        assertThat(tracker.runsAheadOfClaims()).isTrue();
        goOn.countDown();
        worker.join();
        assertThat(tracker.runsAheadOfClaims())
                .as("started ahead, the claim unsettled")
                .isTrue();
    }
}
