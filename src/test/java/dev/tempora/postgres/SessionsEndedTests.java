package dev.tempora.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.tempora.Api;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * PostgreSQL sessions ended under the service ({@code pg_terminate_backend}, as an administrator, a
 * failover or an idle-session timeout does) while clients read and cancel tasks: every answer is
 * the task or what the API promises for a database out of reach, a {@code 503}; never a {@code
 * 500} (a fault check found 155 of 1,029 such requests answered so) nor a {@code 404}. Hibernate's
 * {@code find} on PostgreSQL swallowed the failed statement and returned nothing, and the commit
 * that followed failed with nothing left to say why. A cancel answered {@code 503} may have taken
 * effect or not: asked again, it is answered {@code 200}.
 */
@Tag("postgres")
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.datasource.hikari.data-source-properties.ApplicationName=" + SessionsEndedTests.NAME)
class SessionsEndedTests {

    static final String NAME = "tempora-sessions-ended";

    private static final Duration UNDER_FIRE = Duration.ofSeconds(8);

    @LocalServerPort
    int port;

    @Value("${spring.datasource.url}")
    String url;

    @Autowired
    DataSource dataSource;

    @Test
    void readsAndCancelsWhileSessionsAreEndedAreAnsweredOr503() throws Exception {
        var api = new Api(port);
        var ended = api.submit("{\"handler\": \"echo\", \"args\": 1}");
        api.await(ended, Duration.ofSeconds(10));
        var waiting = new ArrayList<String>();
        for (int i = 0; i < 200; i++) {
            waiting.add(api.submit("{\"handler\": \"echo\", \"delay\": \"PT1H\"}"));
        }

        var firing = new AtomicBoolean(true);
        var killed = new AtomicInteger();
        var killer = CompletableFuture.runAsync(() -> endSessions(firing, killed));
        var statuses = new TreeMap<Integer, Integer>();
        var cancelled = new ArrayList<String>();
        var wrong = new ArrayList<String>();
        try {
            long until = System.nanoTime() + UNDER_FIRE.toNanos();
            for (int i = 0; System.nanoTime() < until && i < waiting.size(); i++) {
                var id = waiting.get(i);
                cancelled.add(id);
                for (var response : List.of(
                        api.get("/api/v1/tasks/" + ended),
                        api.get("/api/v1/tasks/" + ended + "/result"),
                        api.post("/api/v1/tasks/" + id + "/cancel"))) {
                    statuses.merge(response.status(), 1, Integer::sum);
                    if (response.status() != 200 && response.status() != 503) {
                        wrong.add(response.status() + " " + response.text());
                    }
                }
            }
        } finally {
            firing.set(false);
            killer.join();
        }
        // The pool still holds connections whose sessions were ended last: gone, as the pool's
        // check of a connection idle for a while would find them.
        dataSource.unwrap(HikariDataSource.class).getHikariPoolMXBean().softEvictConnections();
        // A cancel answered 503 may have taken effect or not: asked again, it is answered 200 either way.
        for (var id : cancelled) {
            assertThat(api.post("/api/v1/tasks/" + id + "/cancel").status())
                    .as("a cancel asked again")
                    .isEqualTo(200);
        }

        assertThat(killed.get()).as("sessions ended").isPositive();
        assertThat(wrong).as("answers other than 200 and 503, of %s", statuses).isEmpty();
        assertThat(statuses.getOrDefault(503, 0))
                .as("requests that met an ended session, of %s", statuses)
                .isPositive();
        assertThat(statuses.getOrDefault(200, 0))
                .as("requests answered, of %s", statuses)
                .isPositive();
    }

    /** Ends this context's sessions, every 100 ms, from a connection of its own. */
    private void endSessions(AtomicBoolean firing, AtomicInteger killed) {
        try (var sessions = new SessionEnder(url, NAME)) {
            while (firing.get()) {
                killed.addAndGet(sessions.endAll());
                Thread.sleep(100);
            }
        } catch (Exception failed) {
            throw new IllegalStateException(failed);
        }
    }
}
