package dev.tempora;

import java.util.UUID;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.junit.jupiter.SpringExtension;

/**
 * A row in the node list for an instance that does not run: while it is there, the instance under
 * test is not alone (it shares bursts, waits for its claims), and tasks reserved for it count as
 * reserved. Nothing heartbeats it, so a test that keeps it past the node timeout sees it removed.
 */
public final class OtherNode implements BeforeEachCallback, AfterEachCallback {

    private JdbcClient jdbc;
    private final String id = "other-" + UUID.randomUUID();

    /**
     * As an extension ({@code @RegisterExtension}) of a Spring test: on the database of the test's
     * context, and out of the node list again after each test (after its {@code @AfterEach} methods).
     */
    public OtherNode() {}

    public OtherNode(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (jdbc == null) {
            jdbc = SpringExtension.getApplicationContext(context).getBean(JdbcClient.class);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        leave();
    }

    public String id() {
        return id;
    }

    /** Enters the node list, as if it had just heartbeated. */
    public void join() {
        jdbc.sql("insert into tempora_node (id, host, pid, started_at, heartbeat_at)"
                        + " values (:id, 'elsewhere', 1, current_timestamp, current_timestamp)")
                .param("id", id)
                .update();
    }

    /**
     * Enters the node list as an instance of this version whose every report says it may be running
     * tasks ahead of their claims, and whose heartbeat is an hour ahead, so nobody finds it dead:
     * one that joins it waits for its reports before it cancels, until it leaves.
     */
    public void joinRunningAhead() {
        jdbc.sql("insert into tempora_node (id, host, pid, started_at, heartbeat_at, beats, starts_ahead)"
                        + " values (:id, 'elsewhere', 1, current_timestamp, current_timestamp + interval '1' hour,"
                        + " 5, true)")
                .param("id", id)
                .update();
    }

    /** Leaves the node list; nothing happens if it never joined. */
    public void leave() {
        jdbc.sql("delete from tempora_node where id = :id").param("id", id).update();
    }
}
