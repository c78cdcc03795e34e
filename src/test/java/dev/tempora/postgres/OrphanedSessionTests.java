package dev.tempora.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tempora.Api;
import dev.tempora.InterceptedConnections;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.test.annotation.DirtiesContext;

/**
 * A reset on the application's side of a connection only (a NAT, a firewall, a load balancer
 * between it and PostgreSQL) as a task's outcome commits: Tempora hears the connection is lost,
 * while the server's session stays idle in its transaction, holding the row it updated. Tempora
 * writes the outcome again on another connection, which waited on that lock forever: the task
 * stayed RUNNING until someone ended the session by hand. The server now ends such a session
 * ({@code idle_in_transaction_session_timeout}), and the outcome is written.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "tempora.database.socket-timeout=PT3S")
@Import(OrphanedSessionTests.Orphaning.class)
@DirtiesContext
@Tag("postgres")
class OrphanedSessionTests {

    static final String OUTCOME = "update task set state = 'SUCCEEDED'";

    /** What Spring does with a connection after its commit failed: left undone, as on a connection gone. */
    static final Set<String> LEFT_UNDONE =
            Set.of("rollback", "setAutoCommit", "setReadOnly", "setTransactionIsolation", "close");

    static final AtomicBoolean orphanNextOutcome = new AtomicBoolean();

    /** The connections left in their transactions: never returned to the pool, which would roll them back. */
    static final List<Connection> orphans = new CopyOnWriteArrayList<>();

    @Value("${spring.datasource.url}")
    String url;

    @LocalServerPort
    int port;

    @Test
    void aSessionLeftInItsTransactionIsEndedByTheServerAndTheOutcomeWritten() {
        assumeTrue(url.startsWith("jdbc:postgresql:"), "PostgreSQL's sessions");
        var api = new Api(port);
        orphanNextOutcome.set(true);

        var id = api.submit("{\"handler\": \"echo\", \"args\": \"written\"}");

        var task = api.await(id, Duration.ofSeconds(30));
        assertThat(orphanNextOutcome).as("the fault was injected").isFalse();
        assertThat(task.path("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(task.path("result").asString()).isEqualTo("written");
    }

    @AfterAll
    static void closeOrphans() {
        for (var orphan : orphans) {
            try {
                orphan.close();
            } catch (SQLException alreadyEnded) {
                // the server ended it
            }
        }
        orphans.clear();
    }

    @TestConfiguration
    static class Orphaning {

        @Bean
        static BeanPostProcessor orphaningOutcomes() {
            return InterceptedConnections.with(() -> {
                var orphaned = new boolean[1];
                return (connection, method, args) -> {
                    if (orphaned[0]) {
                        if (method.getName().equals("commit")) {
                            orphans.add(connection);
                            throw new SQLException("An I/O error occurred while sending to the backend.", "08006");
                        }
                        if (LEFT_UNDONE.contains(method.getName())) {
                            return null;
                        }
                    } else if (InterceptedConnections.prepares(method, args, OUTCOME)
                            && orphanNextOutcome.compareAndSet(true, false)) {
                        orphaned[0] = true;
                    }
                    return InterceptedConnections.proceed(connection, method, args);
                };
            });
        }
    }
}
