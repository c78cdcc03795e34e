package dev.tempora.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tempora.Api;
import dev.tempora.TestHandlers;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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

    /**
     * A cancel answered 200 is in the database file (README, "Durability"). Another request's cancel
     * of the same task (a client's retry) found it CANCELLED and answered 200 at once: while the first
     * cancel's checkpoint was still under way, or after it had failed (a 503 not-durable, which a
     * client retries). Each such answer now checkpoints too. Found by review.
     */
    @Test
    void aSecondCancelIsNotAnswered200BeforeTheFirstCancelIsInTheFile() throws Exception {
        var id = api.submit("""
                {"handler": "echo", "args": "x", "delay": 3600}""");
        durability.holdNextFlush();
        var first = CompletableFuture.supplyAsync(() -> api.post("/api/v1/tasks/" + id + "/cancel"));
        assertThat(durability.held.await(10, TimeUnit.SECONDS)).isTrue(); // committed, checkpoint not yet made
        int flushesBefore = durability.flushes.get();

        var second = api.post("/api/v1/tasks/" + id + "/cancel");

        try {
            // Answered 200 (CANCELLED) while the cancel it reports has not reached the file: a kill -9
            // now loses an acknowledged cancel.
            assertThat(second.status() == 200 && durability.flushes.get() == flushesBefore)
                    .as(
                            "second cancel answered %s with %s checkpoints after the first cancel's (still held)",
                            second.status(), durability.flushes.get() - flushesBefore)
                    .isFalse();
        } finally {
            durability.release.countDown();
            first.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aRetriedCancelAfterNotDurableIsNotAnswered200WithoutACheckpoint() {
        var id = api.submit("""
                {"handler": "echo", "args": "x", "delay": 3600}""");
        durability.failNextFlush();
        var first = api.post("/api/v1/tasks/" + id + "/cancel");
        assertThat(first.status()).isEqualTo(503);
        int flushesBefore = durability.flushes.get();

        var retry = api.post("/api/v1/tasks/" + id + "/cancel");

        assertThat(retry.status() == 200 && durability.flushes.get() == flushesBefore)
                .as(
                        "retried cancel answered %s with %s checkpoints tried",
                        retry.status(), durability.flushes.get() - flushesBefore)
                .isFalse();
    }

    @TestConfiguration
    static class FailingCheckpoints {

        @Bean
        @Primary
        FailingDurability failingDurability(JdbcClient jdbc, DatabaseProduct database) {
            return new FailingDurability(jdbc, database);
        }
    }

    /**
     * The true edge, faked: the database's file refusing one write, or taking its time over one;
     * counts the checkpoints asked for.
     */
    static final class FailingDurability extends Durability {

        private final AtomicBoolean failNext = new AtomicBoolean();
        private final AtomicBoolean holdNext = new AtomicBoolean();
        final AtomicInteger flushes = new AtomicInteger();
        final CountDownLatch held = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        FailingDurability(JdbcClient jdbc, DatabaseProduct database) {
            super(jdbc, database);
        }

        void failNextFlush() {
            failNext.set(true);
        }

        /** The next checkpoint waits for {@link #release}, once it has counted {@link #held} down. */
        void holdNextFlush() {
            holdNext.set(true);
        }

        @Override
        public void flush() {
            flushes.incrementAndGet();
            if (failNext.getAndSet(false)) {
                throw new DataAccessResourceFailureException("No space left on device (a test's checkpoint)");
            }
            if (holdNext.getAndSet(false)) {
                held.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            super.flush();
        }
    }
}
