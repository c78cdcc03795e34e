package dev.tempora.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempora.Api;
import dev.tempora.OtherNode;
import dev.tempora.task.TaskId;
import dev.tempora.task.TaskTransitions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A due task reserved by another node is left to it while that node is in the node list, and is
 * taken by this node's loader as soon as the other has left it (stopped, or found dead).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ReservationTests {

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    TaskTransitions transitions;

    @Test
    void aReservationCountsOnlyWhileItsNodeIsInTheNodeList() throws InterruptedException {
        var api = new Api(port);
        var id = api.submit("{\"handler\": \"echo\", \"args\": \"ran\", \"delay\": 3600}");
        var other = new OtherNode(jdbc);
        other.join();
        jdbc.sql("update task set owner = :other, run_at = current_timestamp where id = :id")
                .param("other", other.id())
                .param("id", UUID.fromString(id))
                .update();

        Thread.sleep(3000); // three loader passes (tempora.dispatch.load-interval)
        assertThat(api.get("/api/v1/tasks/" + id).body().path("state").asString())
                .as("left to the node that reserved it")
                .isEqualTo("QUEUED");

        other.leave();
        var task = api.await(id, Duration.ofSeconds(5));
        assertThat(task.path("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(task.path("result").asString()).isEqualTo("ran");
    }

    /**
     * After an outage a node may give back as many tasks as it may hold, past the 65,535 values
     * PostgreSQL's protocol lets one statement bind: it was one statement, which would then have
     * failed every loader pass (review).
     */
    @Test
    void aNodeGivesBackMoreTasksThanOneStatementMayBind() {
        var api = new Api(port);
        var other = new OtherNode(jdbc);
        other.join();
        try {
            var ids = new ArrayList<TaskId>();
            for (int i = 0; i < 3; i++) {
                var id = api.submit("{\"handler\": \"echo\", \"delay\": 3600}");
                jdbc.sql("update task set owner = :other where id = :id")
                        .param("other", other.id())
                        .param("id", UUID.fromString(id))
                        .update();
                ids.add(new TaskId(UUID.fromString(id)));
            }
            for (int i = 0; i < 70_000; i++) {
                ids.add(TaskId.next(Clock.systemUTC()));
            }

            assertThat(transitions.giveBack(other.id(), ids)).isEqualTo(3);
            assertThat(jdbc.sql("select count(*) from task where owner = :other")
                            .param("other", other.id())
                            .query(Long.class)
                            .single())
                    .isZero();
        } finally {
            other.leave();
        }
    }
}
