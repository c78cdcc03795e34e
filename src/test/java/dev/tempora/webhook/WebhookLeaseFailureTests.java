package dev.tempora.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempora.Api;
import dev.tempora.InterceptedConnections;
import java.net.InetAddress;
import java.sql.SQLTransientConnectionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * Deliveries whose lease failed (the database pool exhausted for a moment: a cluster race audit saw
 * it 34 times with 3 instances and 48 clients on 2 cores) are looked for again within a second,
 * not at the next load ({@code load-interval}, 5 s by default; 30 s here).
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "tempora.webhooks.load-interval=PT30S")
@Import(WebhookLeaseFailureTests.FailingLease.class)
class WebhookLeaseFailureTests {

    static final AtomicInteger FAILURES = new AtomicInteger(1);

    @TestConfiguration
    static class FailingLease {
        @Bean
        static BeanPostProcessor failingLease() {
            return InterceptedConnections.with(() -> (connection, method, args) -> {
                if (InterceptedConnections.prepares(method, args, "update webhook_delivery set attempts")
                        && FAILURES.getAndDecrement() > 0) {
                    throw new SQLTransientConnectionException("injected: no connection available");
                }
                return InterceptedConnections.proceed(connection, method, args);
            });
        }
    }

    @LocalServerPort
    int port;

    @Test
    void aDeliveryWhoseLeaseFailedIsSentWithinASecondOrTwo() throws Exception {
        try (var receiver = new MockWebServer()) {
            receiver.start(InetAddress.getLoopbackAddress(), 0);
            receiver.enqueue(new MockResponse.Builder().code(200).build());

            new Api(port).submit("{\"handler\": \"echo\", \"callbackUrl\": \"%s\"}".formatted(receiver.url("/hooks")));

            var request = receiver.takeRequest(5, TimeUnit.SECONDS);
            assertThat(FAILURES.get()).as("lease failures left to inject").isLessThan(1);
            assertThat(request).as("the delivery, within 5 s").isNotNull();
        }
    }
}
