package dev.tempora.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tempora.Api;
import dev.tempora.support.JdbcTransactions;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.TransactionAwareDataSourceProxy;

/**
 * A redelivery that comes while a lease is being taken, between its update (which counts the
 * attempt) and its read of what it leased. Committed on their own, the update's attempt was freed
 * by the redelivery, the read found nothing to send, and the delivery listed attempt 2 without
 * attempt 1. In one transaction, the redelivery waits for the lease's commit, then takes the lease
 * away from an attempt that is sent and recorded. A hook pauses the leasing thread before its read
 * while another thread redelivers, as another request (or instance) could. Found by review.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"tempora.webhooks.timeout=PT30S", "tempora.webhooks.load-interval=PT1M"})
@Import(RedeliverDuringLeaseTests.Hooked.class)
class RedeliverDuringLeaseTests {

    /** Run (once it answers true) just before the select of what a lease took is prepared. */
    static final AtomicReference<BooleanSupplier> HOOK = new AtomicReference<>();

    @TestConfiguration
    static class Hooked {
        @Bean
        @Primary
        DeliveryStore hookedDeliveryStore(
                DataSource dataSource,
                NamedParameterJdbcTemplate batch,
                JdbcTransactions transaction,
                WebhookProperties webhooks) {
            return new DeliveryStore(JdbcClient.create(new HookedDataSource(dataSource)), batch, transaction, webhooks);
        }
    }

    static final class HookedDataSource extends TransactionAwareDataSourceProxy {
        HookedDataSource(DataSource target) {
            super(target);
        }

        @Override
        public Connection getConnection() throws SQLException {
            var connection = super.getConnection();
            return (Connection) Proxy.newProxyInstance(
                    Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                        if (method.getName().equals("prepareStatement")
                                && args[0] instanceof String sql
                                && sql.startsWith("select")
                                && sql.contains("and lease_owner = ?")) {
                            var hook = HOOK.get();
                            if (hook != null && hook.getAsBoolean()) {
                                HOOK.compareAndSet(hook, null);
                            }
                        }
                        try {
                            return method.invoke(connection, args);
                        } catch (InvocationTargetException thrown) {
                            throw thrown.getCause();
                        }
                    });
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    Deliveries deliveries;

    Api api;
    MockWebServer receiver;

    @BeforeEach
    void setUp() throws Exception {
        api = new Api(port);
        receiver = new MockWebServer();
        receiver.start(InetAddress.getLoopbackAddress(), 0);
        for (int i = 0; i < 3; i++) {
            receiver.enqueue(new MockResponse.Builder().code(200).build());
        }
    }

    @AfterEach
    void tearDown() {
        HOOK.set(null);
        receiver.close();
    }

    @Test
    void aRedeliveryBetweenTheLeasesUpdateAndItsSelectLeavesNoGap() throws Exception {
        var url = receiver.url("/hooks").toString();
        var redelivered = new CompletableFuture<Void>();
        HOOK.set(() -> {
            HOOK.set(null);
            var id = jdbc.sql("select id from webhook_delivery where url = :url")
                    .param("url", url)
                    .query(UUID.class)
                    .single();
            Thread.ofPlatform().start(() -> {
                try {
                    deliveries.redeliver(id);
                    redelivered.complete(null);
                } catch (RuntimeException failed) {
                    redelivered.completeExceptionally(failed);
                }
            });
            try {
                // Long enough for the redelivery to be decided, or to wait on the lease's rows.
                Thread.sleep(300);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
            return true;
        });
        var task = api.submit("{\"handler\": \"echo\", \"callbackUrl\": \"%s\"}".formatted(url));
        var delivery = await().atMost(Duration.ofSeconds(15))
                .until(
                        () -> api.get("/api/v1/tasks/" + task + "/deliveries")
                                .body()
                                .path(0),
                        found -> found.path("state").asString().equals("SUCCEEDED"));
        redelivered.get(10, TimeUnit.SECONDS);
        var counted = jdbc.sql("select attempts from webhook_delivery where task_id = :task")
                .param("task", UUID.fromString(task))
                .query(Integer.class)
                .single();
        var numbers = delivery.path("attempts")
                .valueStream()
                .map(attempt -> attempt.path("attempt").asInt())
                .toList();
        assertThat(numbers)
                .as(
                        "attempts column %d, requests the receiver got %d; delivery %s",
                        counted, receiver.getRequestCount(), delivery)
                .isEqualTo(IntStream.rangeClosed(1, numbers.size()).boxed().toList());
    }
}
