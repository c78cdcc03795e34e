package dev.tempora.dispatch;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The lease on being alone lasts only as long as heartbeats reach the database: an instance whose
 * heartbeat is held up there (a database stall, a lock) stops believing it is alone once the lease
 * runs out, so it waits for its claims again, as it must in case another instance joined meanwhile
 * and cancels. Its heartbeat is held up here by locking the instance's row in the node list.
 */
@SpringBootTest(
        properties = {
            "tempora.cluster.heartbeat-interval=PT0.2S", // a lease of 0.4 s
            // The held heartbeat must wait, not fail on H2's 2 s lock timeout (PostgreSQL waits anyway).
            "spring.datasource.url=jdbc:h2:mem:tempora-${random.uuid};DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=30000"
        })
class AloneLeaseTests {

    @Autowired
    Node node;

    @Autowired
    DataSource dataSource;

    @Test
    void aHeartbeatHeldUpInTheDatabaseLetsTheLeaseRunOutUntilOneGetsThrough() throws Exception {
        await().atMost(Duration.ofSeconds(10)).until(node::alone);

        try (var connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try (var lock = connection.prepareStatement("select id from tempora_node where id = ? for update")) {
                lock.setString(1, node.id());
                lock.executeQuery().close();
            }
            await("the lease runs out while the heartbeat waits")
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> !node.alone());
            connection.rollback();
        }

        await("the next heartbeat that gets through renews it")
                .atMost(Duration.ofSeconds(10))
                .until(node::alone);
    }
}
