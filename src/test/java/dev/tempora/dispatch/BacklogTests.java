package dev.tempora.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempora.Api;
import dev.tempora.TaskRows;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A backlog larger than one loader pass takes is loaded as the pools drain, not one pass per
 * load interval: with claim-batch 1 and a 5 s interval, 20 due tasks would take 100 s.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"tempora.dispatch.claim-batch=1", "tempora.dispatch.load-interval=PT5S"})
class BacklogTests {

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    @Test
    void drainedPoolsAskForTheRestOfTheBacklog() {
        var api = new Api(port);
        // Written straight into the table, as another writer's would be: for the loader, whose
        // next pass (within 5 s) takes one and must ask for the next as soon as it has run.
        var ids = new ArrayList<UUID>();
        var runAt = OffsetDateTime.now(ZoneOffset.UTC);
        for (int i = 0; i < 20; i++) {
            ids.add(TaskRows.insertEcho(jdbc, "default", runAt));
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        for (var id : ids) {
            var left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
            assertThat(api.await(id.toString(), left).path("state").asString())
                    .as("within two load intervals of the write")
                    .isEqualTo("SUCCEEDED");
        }
    }
}
