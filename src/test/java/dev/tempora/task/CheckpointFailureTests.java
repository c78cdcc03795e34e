package dev.tempora.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tempora.Api;
import dev.tempora.TestHandlers;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A change committed to the database whose checkpoint then failed (on H2, its file could not be
 * written): the client is told so, with a problem of its own, and what was committed still takes
 * effect here. Before, a submitted task stayed reserved for this instance, never timed, until a
 * restart, while the client was told nothing had changed and submitted it again.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Import({TestHandlers.class, CheckpointFailureTests.FailingCheckpoints.class})
class CheckpointFailureTests {

    @LocalServerPort
    int port;

    @Autowired
    FailingDurability durability;

    Api api;

    @BeforeEach
    void setUp() {
        api = new Api(port);
        TestHandlers.reset();
    }

    @Test
    void aSubmissionStoredButNotCheckpointedIsAnsweredAsSuchAndStillRuns() {
        durability.failNextFlush();

        var answer = api.post("/api/v1/tasks", """
                {"handler": "echo", "args": "stored", "delay": 0.2}""");

        assertThat(answer.status()).isEqualTo(503);
        assertThat(answer.contentType()).startsWith("application/problem+json");
        assertThat(answer.body().path("type").asString()).isEqualTo("urn:tempora:problem:not-durable");
        var id = answer.body().path("taskIds").path(0).asString();
        assertThat(id).isNotEmpty();
        var done = api.await(id, Duration.ofSeconds(10));
        assertThat(done.path("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(done.path("result").asString()).isEqualTo("stored");
    }

    @Test
    void aCancelStoredButNotCheckpointedIsAnsweredAsSuchAndStillInterruptsTheRun() {
        var id = api.submit("""
                {"handler": "block", "args": {"gate": "checkpoint-failure"}}""");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> TestHandlers.started().contains(id));
        durability.failNextFlush();

        var answer = api.post("/api/v1/tasks/" + id + "/cancel?mayInterruptIfRunning=true");

        assertThat(answer.status()).isEqualTo(503);
        assertThat(answer.body().path("type").asString()).isEqualTo("urn:tempora:problem:not-durable");
        assertThat(answer.body().path("taskIds").path(0).asString()).isEqualTo(id);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> TestHandlers.interrupted().contains(id));
        assertThat(api.await(id, Duration.ofSeconds(5)).path("state").asString())
                .isEqualTo("CANCELLED");
    }

    @TestConfiguration
    static class FailingCheckpoints {

        @Bean
        @Primary
        FailingDurability failingDurability(JdbcClient jdbc, DatabaseProduct database) {
            return new FailingDurability(jdbc, database);
        }
    }

    /** The true edge, faked: the database's file refusing one write. */
    static final class FailingDurability extends Durability {

        private final AtomicBoolean failNext = new AtomicBoolean();

        FailingDurability(JdbcClient jdbc, DatabaseProduct database) {
            super(jdbc, database);
        }

        void failNextFlush() {
            failNext.set(true);
        }

        @Override
        public void flush() {
            if (failNext.getAndSet(false)) {
                throw new DataAccessResourceFailureException("No space left on device (a test's checkpoint)");
            }
            super.flush();
        }
    }
}
