package dev.tempora.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tempora.Api;
import dev.tempora.TestHandlers;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * {@code tempora.tasks.keep-finished}: a task that ended longer ago than that is deleted, with its
 * labels and deliveries; a task that has not ended, or whose outcome still waits to be delivered
 * to its callback, is kept. What is deleted is counted in {@code tempora_tasks_deleted_total}.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"tempora.tasks.keep-finished=PT0.5S", "tempora.tasks.cleanup-interval=PT0.2S"})
@Import(TestHandlers.class)
class TaskCleanupTests {

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    Api api;

    @BeforeEach
    void setUp() {
        api = new Api(port);
        TestHandlers.reset();
    }

    @Test
    void aTaskThatEndedLongerAgoThanKeepFinishedIsDeletedWithItsLabels() {
        var succeeded = api.submit("""
                {"handler": "echo", "args": "done", "labels": {"team": "billing"}}""");
        var failed = api.submit("{\"handler\": \"fail\"}");
        var cancelled = api.submit("{\"handler\": \"echo\", \"delay\": 3600}");
        api.post("/api/v1/tasks/" + cancelled + "/cancel");
        api.await(succeeded, Duration.ofSeconds(5));
        api.await(failed, Duration.ofSeconds(5));

        for (var id : new String[] {succeeded, failed, cancelled}) {
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> api.get("/api/v1/tasks/" + id).status() == 404);
        }
        assertThat(jdbc.sql("select count(*) from task_label where task_id = :id")
                        .param("id", UUID.fromString(succeeded))
                        .query(Long.class)
                        .single())
                .isZero();
        for (var state : new String[] {"SUCCEEDED", "FAILED", "CANCELLED"}) {
            assertThat(deletedCount(state)).as(state).isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void aDeletionChangesTheTagsOfListsAndCounts() {
        // Ended an hour ago, and deleted at the next pass: the tag is read before it can be.
        var id = api.submit("{\"handler\": \"echo\", \"delay\": 3600}");
        var before = api.get("/api/v1/stats").header("ETag");
        jdbc.sql("update task set state = 'CANCELLED', finished_at = :ended, created_at = :ended where id = :id")
                .param("ended", OffsetDateTime.now(ZoneOffset.UTC).minusHours(1))
                .param("id", UUID.fromString(id))
                .update();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> api.get("/api/v1/tasks/" + id).status() == 404);
        // Before, nothing told the tags of the deletion: a dashboard kept its counts with a 304.
        var after = api.send(HttpRequest.newBuilder(api.uri("/api/v1/stats")).header("If-None-Match", before));
        assertThat(after.status()).isEqualTo(200);
    }

    @Test
    void aTaskThatHasNotEndedIsKept() throws Exception {
        var scheduled = api.submit("{\"handler\": \"echo\", \"delay\": 3600}");
        var running = api.submit("""
                {"handler": "block", "args": {"gate": "cleanup"}}""");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> TestHandlers.started().contains(running));

        Thread.sleep(1_500); // three times keep-finished, seven cleanup passes

        assertThat(state(scheduled)).isEqualTo("SCHEDULED");
        assertThat(state(running)).isEqualTo("RUNNING");
        TestHandlers.open("cleanup");
        api.post("/api/v1/tasks/" + scheduled + "/cancel");
    }

    @Test
    void aTaskWhoseOutcomeIsStillToBeDeliveredIsKeptUntilItIs() throws Exception {
        // Port 1 on loopback refuses at once: the delivery waits 5 s for its first retry.
        var id = api.submit("""
                {"handler": "echo", "callbackUrl": "http://127.0.0.1:1/hook"}""");
        api.await(id, Duration.ofSeconds(5));

        Thread.sleep(1_500);

        assertThat(state(id)).isEqualTo("SUCCEEDED");
        assertThat(api.get("/api/v1/tasks/" + id + "/deliveries").status()).isEqualTo(200);
    }

    /** {@code tempora_tasks_deleted_total} for one state, as Prometheus scrapes it. */
    private double deletedCount(String state) {
        var line = Pattern.compile(
                        "^tempora_tasks_deleted_total\\{[^}]*state=\"" + state + "\"[^}]*} (\\S+)$", Pattern.MULTILINE)
                .matcher(api.get("/actuator/prometheus").text());
        assertThat(line.find())
                .as("tempora_tasks_deleted_total{state=%s}", state)
                .isTrue();
        return Double.parseDouble(line.group(1));
    }

    private String state(String id) {
        return api.get("/api/v1/tasks/" + id).body().path("state").asString();
    }
}
