package dev.tempora.dispatch.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tempora.Api;
import dev.tempora.OtherNode;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
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

    private JsonNode self() {
        for (var node : api.get("/api/v1/nodes").body()) {
            if (node.path("self").asBoolean()) {
                return node;
            }
        }
        throw new AssertionError("no node is this instance");
    }
}
