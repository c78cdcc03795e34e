package dev.tempora.dispatch;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A loader pass whose reservation fails may leave tasks reserved for this instance that it does not
 * hold: a statement that committed with its answer lost, or the earlier reservations of the same
 * pass. Every loader skips a task reserved for a live instance, so they waited until this one
 * stopped. After a failed pass, the next one takes them up.
 */
@SpringBootTest(properties = "tempora.dispatch.load-interval=PT0.2S")
class UnheldReservationTests {

    @Autowired
    JdbcClient jdbc;

    @Autowired
    Node node;

    @Test
    void tasksReservedForThisInstanceButNotHeldRunAfterAFailedPass() throws InterruptedException {
        // As a reservation that committed while its answer was lost leaves it.
        var id = UUID.randomUUID();
        jdbc.sql("insert into task (id, handler, priority, run_at, created_at, state, attempts, pool, owner)"
                        + " values (:id, 'echo', 0, :now, :now, 'SCHEDULED', 0, 'default', :owner)")
                .param("id", id)
                .param("now", OffsetDateTime.now(ZoneOffset.UTC))
                .param("owner", node.id())
                .update();
        // The loader's reservations read the node list: while it is away, each pass fails.
        jdbc.sql("alter table tempora_node rename to tempora_node_away").update();
        try {
            Thread.sleep(1_000);
        } finally {
            jdbc.sql("alter table tempora_node_away rename to tempora_node").update();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> state(id).equals("SUCCEEDED"));
    }

    private String state(UUID id) {
        return jdbc.sql("select state from task where id = :id")
                .param("id", id)
                .query(String.class)
                .single();
    }
}
