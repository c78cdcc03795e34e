package dev.tempora.dispatch;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.springframework.jdbc.core.simple.JdbcClient;

/** An instance presumed dead in a test: its row removed, as another instance removes a silent one's. */
final class Rejoins {

    private Rejoins() {}

    /**
     * Removes {@code node}'s row and waits until a heartbeat has rejoined it under a new id; returns
     * when ({@link System#nanoTime}) the row was about to be removed.
     */
    static long presumeDeadAndRejoin(Node node, JdbcClient jdbc) {
        await().atMost(Duration.ofSeconds(10)).until(node::listedNow);
        var presumedDead = node.id();
        long removed = System.nanoTime();
        jdbc.sql("delete from tempora_node where id = :id")
                .param("id", presumedDead)
                .update();
        await().atMost(Duration.ofSeconds(10)).until(() -> !node.id().equals(presumedDead) && node.listedNow());
        return removed;
    }
}
