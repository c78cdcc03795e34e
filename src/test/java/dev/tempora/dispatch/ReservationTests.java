package dev.tempora.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempora.Api;
import dev.tempora.OtherNode;
import java.time.Duration;
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
}
