package dev.tempora.task;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempora.Api;
import dev.tempora.InterceptedConnections;
import dev.tempora.TestHandlers;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * The connection lost at the commit of a submission ({@code pg_terminate_backend} in an audit):
 * whether the commit took effect is unknown, so the client is told exactly that, with the ids to
 * read. Before, it got a 500; and a task that had been stored, reserved for this instance, waited
 * QUEUED for good, since this instance had let go of it and the loaders skip a live node's tasks.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "tempora.dispatch.load-interval=PT0.2S")
@Import({TestHandlers.class, CommitLostTests.LosingCommits.class})
class CommitLostTests {

    /** What the next commit of a transaction that inserted a task does before it fails. */
    enum Loss {
        NONE,
        AFTER_COMMITTING,
        BEFORE_COMMITTING
    }

    static final AtomicReference<Loss> NEXT = new AtomicReference<>(Loss.NONE);

    @LocalServerPort
    int port;

    Api api;

    @BeforeEach
    void setUp() {
        api = new Api(port);
        NEXT.set(Loss.NONE);
    }

    @Test
    void aSubmissionWhoseCommitTookEffectRunsAsUsual() {
        NEXT.set(Loss.AFTER_COMMITTING);

        var answer = api.post("/api/v1/tasks", """
                {"handler": "echo", "args": "stored", "delay": 0.1}""");

        var id = assertOutcomeUnknown(answer);
        var done = api.await(id, Duration.ofSeconds(10));
        assertThat(done.path("state").asString()).as("not left reserved").isEqualTo("SUCCEEDED");
        assertThat(done.path("result").asString()).isEqualTo("stored");
    }

    @Test
    void aSubmissionWhoseCommitDidNotTakeEffectIsNotThere() {
        NEXT.set(Loss.BEFORE_COMMITTING);

        var answer = api.post("/api/v1/tasks", """
                {"handler": "echo", "args": "lost", "delay": 0.1}""");

        var id = assertOutcomeUnknown(answer);
        assertThat(api.get("/api/v1/tasks/" + id).status()).isEqualTo(404);
        assertThat(api.submit("{\"handler\": \"echo\"}"))
                .as("the next submission is stored")
                .isNotEmpty();
    }

    private static String assertOutcomeUnknown(Api.Response answer) {
        assertThat(answer.status()).isEqualTo(503);
        assertThat(answer.contentType()).startsWith("application/problem+json");
        assertThat(answer.body().path("type").asString()).isEqualTo("urn:tempora:problem:outcome-unknown");
        assertThat(answer.header("Retry-After")).isEqualTo("5");
        var id = answer.body().path("taskIds").path(0).asString();
        assertThat(id).isNotEmpty();
        return id;
    }

    @TestConfiguration
    static class LosingCommits {

        /** The true edge, faked: the database ending the session at a commit. */
        @Bean
        static BeanPostProcessor losingCommits() {
            return InterceptedConnections.with(() -> {
                var insertedTask = new boolean[1];
                return (connection, method, args) -> {
                    if (InterceptedConnections.prepares(method, args, "insert into task ")) {
                        insertedTask[0] = true;
                    } else if (method.getName().equals("commit") && insertedTask[0]) {
                        insertedTask[0] = false;
                        var loss = NEXT.getAndSet(Loss.NONE);
                        if (loss == Loss.AFTER_COMMITTING) {
                            connection.commit();
                        } else if (loss == Loss.BEFORE_COMMITTING) {
                            connection.rollback();
                        }
                        if (loss != Loss.NONE) {
                            throw new SQLException(
                                    "FATAL: terminating connection due to administrator command", "57P01");
                        }
                    } else if (method.getName().equals("rollback")) {
                        insertedTask[0] = false;
                    }
                    return InterceptedConnections.proceed(connection, method, args);
                };
            });
        }
    }
}
