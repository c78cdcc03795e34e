package dev.tempora.live;

import dev.tempora.dispatch.DispatchMetrics;
import dev.tempora.dispatch.WorkerPools;
import dev.tempora.task.TaskId;
import dev.tempora.task.TaskReads;
import java.time.Instant;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * The ETags of the resources dashboards poll, each computed without building the resource: a
 * single task's from the few columns that can change; the list's and queue's from the revision;
 * the stats' from the revision, the pools and the lateness window (which change without a task
 * changing: a resize, a worker taking a task, old starts ageing out).
 */
@Component
class EntityTags {

    private final Revisions revisions;
    private final TaskReads reads;
    private final WorkerPools pools;
    private final DispatchMetrics dispatch;

    EntityTags(Revisions revisions, TaskReads reads, WorkerPools pools, DispatchMetrics dispatch) {
        this.revisions = revisions;
        this.reads = reads;
        this.pools = pools;
        this.dispatch = dispatch;
    }

    /** A task's tag, from its stored version (so exact with any number of instances); empty if none. */
    Optional<String> task(TaskId id) {
        return reads.version(id)
                .map(version -> weak("t."
                        + version.state().ordinal()
                        + "." + version.attempts()
                        + "." + micros(version.startedAt())
                        + "." + micros(version.finishedAt())));
    }

    /** A list's or the queue's tag: the same revision and query, the same page. */
    String collection(String kind, String query) {
        return weak(kind + "." + revisions.current() + "." + Long.toString(hash(query == null ? "" : query), 36));
    }

    String stats() {
        var revision = revisions.current();
        var state = new StringBuilder();
        for (var pool : pools.all()) {
            var status = pool.status();
            state.append(status.name())
                    .append(status.size())
                    .append(',')
                    .append(status.activeThreads())
                    .append(',')
                    .append(status.queued())
                    .append(',')
                    .append(status.completedTasks())
                    .append(';');
        }
        var lateness = dispatch.lateness();
        state.append(lateness.p50())
                .append(',')
                .append(lateness.p99())
                .append(',')
                .append(lateness.max())
                .append(',')
                .append(lateness.recent());
        return weak("s." + revision + "." + Long.toString(hash(state), 36));
    }

    private static String weak(String tag) {
        // Weak: equal tags promise equivalent bodies, not equal bytes (JSON formatting may differ).
        return "W/\"" + tag + "\"";
    }

    private static String micros(Instant instant) {
        return instant == null
                ? "-"
                : Long.toString(instant.getEpochSecond() * 1_000_000 + instant.getNano() / 1000, 36);
    }

    /** FNV-1a, 64 bits, never negative. */
    private static long hash(CharSequence text) {
        long hash = 0xcbf29ce484222325L;
        for (int i = 0; i < text.length(); i++) {
            hash ^= text.charAt(i);
            hash *= 0x100000001b3L;
        }
        return hash & Long.MAX_VALUE;
    }
}
