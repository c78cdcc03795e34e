package dev.tempora.task;

import dev.tempora.support.Timestamps;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Cheap reads of parts of tasks, never the large columns: what a conditional GET compares, what
 * live events are filtered by, what metrics are tagged with.
 */
@Component
public class TaskReads {

    /** Ids per {@code in (...)} list: well under every database's limit on bind parameters. */
    private static final int CHUNK = 500;

    private final JdbcClient jdbc;
    private final Clock clock;
    private final StartsAhead starts;

    TaskReads(JdbcClient jdbc, Clock clock, ObjectProvider<StartsAhead> starts) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.starts = starts.getIfAvailable(() -> StartsAhead.NONE);
    }

    /**
     * When a worker here started {@code id} ahead of its claim, which has not committed yet: the task
     * is RUNNING though the database holds it SCHEDULED. To be asked before reading the task, so that
     * a claim committing in between is read as one with the start.
     */
    Optional<Instant> startedAhead(TaskId id) {
        return starts.startedAhead(id);
    }

    /**
     * Everything in a task's representation that can change after submission (the rest never
     * does): equal versions mean equal bodies. {@code state} is as clients see it now.
     */
    public record Version(TaskState state, int attempts, Instant startedAt, Instant finishedAt) {}

    /** What never changes once a task is stored: its handler, pool, labels and runAt. */
    public record Tags(String handler, String pool, Map<String, String> labels, Instant runAt) {}

    public Optional<Version> version(TaskId id) {
        var startedAhead = startedAhead(id);
        var now = clock.instant();
        return jdbc.sql("select state, run_at, attempts, started_at, finished_at from task where id = :id")
                .param("id", id.value())
                .query((row, number) -> {
                    var stored = TaskState.valueOf(row.getString("state"));
                    int attempts = row.getInt("attempts");
                    if (stored == TaskState.SCHEDULED && startedAhead.isPresent()) {
                        return new Version(TaskState.RUNNING, attempts + 1, startedAhead.get(), null);
                    }
                    return new Version(
                            stored.observedAt(instant(row.getObject("run_at", OffsetDateTime.class)), now),
                            attempts,
                            instant(row.getObject("started_at", OffsetDateTime.class)),
                            instant(row.getObject("finished_at", OffsetDateTime.class)));
                })
                .optional();
    }

    /** The tags of those of {@code ids} that exist. */
    public Map<TaskId, Tags> tags(Collection<TaskId> ids) {
        var found = new HashMap<TaskId, Tags>();
        for (var chunk : chunks(ids)) {
            var labels = labels(jdbc, chunk);
            jdbc.sql("select id, handler, pool, run_at from task where id in (:ids)")
                    .param("ids", chunk)
                    .query(row -> {
                        var id = row.getObject("id", UUID.class);
                        found.put(
                                new TaskId(id),
                                new Tags(
                                        row.getString("handler"),
                                        row.getString("pool"),
                                        // By name, as the task resource has them.
                                        Collections.unmodifiableMap(new TreeMap<>(labels.getOrDefault(id, Map.of()))),
                                        instant(row.getObject("run_at", OffsetDateTime.class))));
                    });
        }
        return found;
    }

    /**
     * The earliest {@code runAt} after {@code now} of a task still SCHEDULED: when it comes, that
     * task turns QUEUED without any write, so views of it change then.
     */
    public Optional<Instant> nextDueAfter(Instant now) {
        return jdbc.sql("select min(run_at) from task where state = 'SCHEDULED' and run_at > :now")
                .param("now", Timestamps.utc(now))
                .query((row, number) -> Optional.ofNullable(instant(row.getObject(1, OffsetDateTime.class))))
                .single();
    }

    /** {@code ids}, each once, in lists short enough for one {@code in (...)} each. */
    static List<List<UUID>> chunks(Collection<TaskId> ids) {
        var all = ids.stream().map(TaskId::value).distinct().toList();
        var chunks = new ArrayList<List<UUID>>();
        for (int from = 0; from < all.size(); from += CHUNK) {
            chunks.add(all.subList(from, Math.min(all.size(), from + CHUNK)));
        }
        return chunks;
    }

    /** Adds to {@code tasks}, read by their columns alone, their labels, read in chunks. */
    static void addLabels(JdbcClient jdbc, List<Task> tasks) {
        var labels = new HashMap<UUID, Map<String, String>>();
        for (var chunk :
                chunks(tasks.stream().map(task -> new TaskId(task.getId())).toList())) {
            labels.putAll(labels(jdbc, chunk));
        }
        for (var task : tasks) {
            labels.getOrDefault(task.getId(), Map.of()).forEach(task::label);
        }
    }

    /** The labels of the tasks of {@code chunk} (one of {@link #chunks}) that have any, by task. */
    static Map<UUID, Map<String, String>> labels(JdbcClient jdbc, List<UUID> chunk) {
        var labels = new HashMap<UUID, Map<String, String>>();
        jdbc.sql("select task_id, label_key, label_value from task_label where task_id in (:ids)")
                .param("ids", chunk)
                .query(row -> {
                    labels.computeIfAbsent(row.getObject("task_id", UUID.class), id -> new LinkedHashMap<>())
                            .put(row.getString("label_key"), row.getString("label_value"));
                });
        return labels;
    }

    private static Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }
}
