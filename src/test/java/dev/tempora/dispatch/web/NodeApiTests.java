package dev.tempora.dispatch.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tempora.Api;
import dev.tempora.OtherNode;
import java.sql.Types;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * {@code GET /nodes}, and what each instance reports with its heartbeats to one that joins it: while
 * alone, that it may be running tasks ahead of their claims; once another is there (and its claims
 * are written), that it is not.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "tempora.cluster.heartbeat-interval=PT0.2S")
class NodeApiTests {

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    private Api api;

    @RegisterExtension
    final OtherNode other = new OtherNode();

    @BeforeEach
    void setUp() {
        api = new Api(port);
    }

    @Test
    void anInstanceReportsWhetherItMayRunTasksAheadOfTheirClaims() {
        await("alone")
                .atMost(Duration.ofSeconds(10))
                .until(() -> self().path("startsAhead").asBoolean(false));

        other.join();

        await("another is there")
                .atMost(Duration.ofSeconds(10))
                .until(() -> !self().path("startsAhead").asBoolean(true));
        var nodes = api.get("/api/v1/nodes").body();
        assertThat(nodes).hasSize(2);
        for (var node : nodes) {
            if (!node.path("self").asBoolean()) {
                assertThat(node.path("id").asString()).isEqualTo(other.id());
                assertThat(node.path("startsAhead").isNull())
                        .as("an instance of an earlier version does not report")
                        .isTrue();
            }
        }
    }

    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void eachInstanceIsFoundDeadByTheNodeTimeoutItRecorded(CapturedOutput output) throws InterruptedException {
        // Silent for 20 s: dead by this instance's node timeout (10 s), alive by its own (a minute).
        // Judged by the looker's, an instance whose heartbeat interval was longer than another's node
        // timeout was presumed dead between its heartbeats, its running tasks run twice.
        var patient = enter("patient", 20, 60_000L);
        // Silent for 3 s, past the 1 s it recorded, though well within this instance's.
        var hasty = enter("hasty", 3, 1_000L);
        // An instance of an earlier version records none: this instance's own counts.
        var earlier = enter("earlier", 20, null);
        try {
            await("the hasty and the earlier found dead")
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> !listed(hasty) && !listed(earlier));
            Thread.sleep(1000); // five heartbeats more
            assertThat(listed(patient)).as("judged by its own node timeout").isTrue();
            assertThat(output.getOut())
                    .as("the takeover's warning names the nodes found dead")
                    .containsPattern("dead nodes removed \\(silent past their node timeouts: [^)]*" + hasty);
        } finally {
            jdbc.sql("delete from tempora_node where id in (:ids)")
                    .param("ids", List.of(patient, hasty, earlier))
                    .update();
        }
        assertThat(self().path("id").asString())
                .as("this instance, listed throughout")
                .isNotBlank();
    }

    private String enter(String name, int silentSeconds, Long nodeTimeoutMillis) {
        var id = name + "-" + UUID.randomUUID();
        jdbc.sql("insert into tempora_node (id, host, pid, started_at, heartbeat_at, node_timeout_ms) values (:id,"
                        + " 'elsewhere', 1, current_timestamp, current_timestamp - interval '" + silentSeconds
                        + "' second, :timeout)")
                .param("id", id)
                .param("timeout", nodeTimeoutMillis, Types.BIGINT)
                .update();
        return id;
    }

    private boolean listed(String id) {
        return jdbc.sql("select count(*) from tempora_node where id = :id")
                        .param("id", id)
                        .query(Long.class)
                        .single()
                > 0;
    }

    private JsonNode self() {
        for (var node : api.get("/api/v1/nodes").body()) {
            if (node.path("self").asBoolean()) {
                return node;
            }
        }
        throw new AssertionError("no node is this instance");
    }
}
