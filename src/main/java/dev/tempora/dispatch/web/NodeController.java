package dev.tempora.dispatch.web;

import dev.tempora.dispatch.Node;
import dev.tempora.support.Timestamps;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** The live instances sharing the database, and what each is running. */
@RestController
@Tag(name = "Nodes")
class NodeController {

    private static final int RUNNING_SHOWN = 100;

    private final JdbcClient jdbc;
    private final Node self;

    NodeController(JdbcClient jdbc, Node self) {
        this.jdbc = jdbc;
        this.self = self;
    }

    @Schema(name = "Node")
    record NodeView(
            String id,
            String host,
            long pid,
            String startedAt,
            String heartbeatAt,

            @Schema(description = "Whether this is the instance that answered")
            boolean self,

            @Schema(
                    description = "Whether, as of its last heartbeat, it may be running tasks ahead of their claims"
                            + " (alone in the node list, or their claims not yet written): an instance that has just"
                            + " joined decides no cancel until every other reports false. Null for an instance of"
                            + " an earlier version, which does not report it")
            @Nullable
            Boolean startsAhead,

            long runningCount,

            @Schema(description = "Ids of tasks it runs (at most 100)")
            List<String> running) {}

    @GetMapping(path = "/api/v1/nodes", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "The live instances, their last heartbeat, and what each is running")
    List<NodeView> nodes() {
        var running = new HashMap<String, List<String>>();
        var counts = new HashMap<String, Long>();
        jdbc.sql("select owner, count(*) from task where state = 'RUNNING' group by owner")
                .query(row -> {
                    counts.put(row.getString(1), row.getLong(2));
                });
        // With state in the order by, H2 reads task_state_id in order and stops at the limit.
        jdbc.sql("select owner, id from task where state = 'RUNNING' order by state, id fetch first 1000 rows only")
                .query(row -> {
                    var ids = running.computeIfAbsent(row.getString(1), owner -> new ArrayList<>());
                    if (ids.size() < RUNNING_SHOWN) {
                        ids.add(row.getObject(2, UUID.class).toString());
                    }
                });
        return jdbc.sql("select id, host, pid, started_at, heartbeat_at, starts_ahead from tempora_node"
                        + " order by started_at, id")
                .query((row, n) -> {
                    var id = row.getString(1);
                    return new NodeView(
                            id,
                            row.getString(2),
                            row.getLong(3),
                            Timestamps.format(
                                    row.getObject(4, OffsetDateTime.class).toInstant()),
                            Timestamps.format(
                                    row.getObject(5, OffsetDateTime.class).toInstant()),
                            id.equals(self.id()),
                            row.getObject(6, Boolean.class),
                            counts.getOrDefault(id, 0L),
                            running.getOrDefault(id, List.of()));
                })
                .list();
    }
}
