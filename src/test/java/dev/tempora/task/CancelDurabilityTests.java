package dev.tempora.task;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempora.Api;
import dev.tempora.TestHandlers;
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
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A cancel answered 200 is in the database file (README, "Durability"). Another request's cancel of
 * the same task (a client's retry) found it CANCELLED and answered 200 at once: while the first
 * cancel's checkpoint was still under way, or after it had failed (a 503 not-durable, which a
 * client retries). Each such answer now checkpoints too. Found by review.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Import({TestHandlers.class, CancelDurabilityTests.Checkpoints.class})
class CancelDurabilityTests {

    @LocalServerPort
    int port;

    @Autowired
    HeldDurability durability;

    Api api;

    @BeforeEach
    void setUp() {
        api = new Api(port);
        TestHandlers.reset();
    }

    @Test
    void aSecondCancelIsNotAnswered200BeforeTheFirstCancelIsInTheFile() throws Exception {
        var id = api.submit("""
                {"handler": "echo", "args": "x", "delay": 3600}""");
        durability.holdNext();
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
        durability.failNext.set(true);
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
    static class Checkpoints {

        @Bean
        @Primary
        HeldDurability heldDurability(JdbcClient jdbc, DatabaseProduct database) {
            return new HeldDurability(jdbc, database);
        }
    }

    static final class HeldDurability extends Durability {

        final AtomicBoolean holdNext = new AtomicBoolean();
        final AtomicBoolean failNext = new AtomicBoolean();
        final AtomicInteger flushes = new AtomicInteger();
        final CountDownLatch held = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        HeldDurability(JdbcClient jdbc, DatabaseProduct database) {
            super(jdbc, database);
        }

        void holdNext() {
            holdNext.set(true);
        }

        @Override
        public void flush() {
            flushes.incrementAndGet();
            if (failNext.getAndSet(false)) {
                throw new org.springframework.dao.DataAccessResourceFailureException("test: disk full");
            }
            if (holdNext.getAndSet(false)) {
                held.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            super.flush();
        }
    }
}
