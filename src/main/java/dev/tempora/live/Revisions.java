package dev.tempora.live;

import dev.tempora.task.TaskChanged;
import dev.tempora.task.TaskListener;
import dev.tempora.task.TaskReads;
import dev.tempora.task.TaskSubmitted;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.stereotype.Component;

/**
 * A counter of the changes this instance has seen to what the task API shows: every committed
 * task change here, and every moment a SCHEDULED task's {@code runAt} comes (it then reads as
 * QUEUED although nothing was written). Equal revisions mean unchanged lists, queue and counts, so
 * their ETags derive from it and an unchanged poll costs no query.
 *
 * <p>The counter is per instance: with several instances behind one address, a change made by
 * another instance is seen here at the next change made here or the next task falling due. Single
 * tasks do not have this limit: their ETags derive from their stored row.
 */
@Component
public class Revisions implements TaskListener {

    /** Tells this process's revisions from an earlier process's, whose counter started at 0 too. */
    private final String epoch = Long.toString(System.currentTimeMillis(), 36)
            + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36), 36);

    private final AtomicLong revision = new AtomicLong();
    private final TaskReads reads;
    private final Clock clock;

    /** When the next SCHEDULED task falls due; {@link Instant#MIN} when it must be looked up. */
    private volatile Instant nextDue = Instant.MIN;

    Revisions(TaskReads reads, Clock clock) {
        this.reads = reads;
        this.clock = clock;
    }

    /** The current revision, with this process's epoch: {@code <epoch>.<counter>}. */
    public String current() {
        var now = clock.instant();
        if (!now.isBefore(nextDue)) {
            refresh(now);
        }
        return epoch + "." + revision.get();
    }

    private synchronized void refresh(Instant now) {
        if (!now.isBefore(nextDue)) {
            // A task has fallen due (or nobody knows yet when one will): views changed.
            revision.incrementAndGet();
            // Looked up under the lock, so that a submission meanwhile is not overwritten.
            nextDue = reads.nextDueAfter(now).orElse(Instant.MAX);
        }
    }

    @Override
    public void changed(TaskChanged changed) {
        revision.incrementAndGet();
    }

    @Override
    public void deleted(int count) {
        revision.incrementAndGet();
    }

    @Override
    public synchronized void submitted(TaskSubmitted submitted) {
        var runAt = submitted.task().runAt();
        // One due already reads as QUEUED: its own change counted. A later one turns QUEUED by itself.
        if (runAt.isBefore(nextDue) && nextDue != Instant.MIN && runAt.isAfter(clock.instant())) {
            nextDue = runAt;
        }
    }
}
