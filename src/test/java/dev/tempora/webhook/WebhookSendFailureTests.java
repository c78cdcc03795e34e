package dev.tempora.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tempora.Api;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
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
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A send that throws once its delivery is leased (here the signer, once). The exception escaped to
 * the leasing loop, which only freed the place: the delivery stayed leased by this live instance,
 * its attempt counted and unrecorded, until the lease ran out (timeout + 30 s); then it listed
 * attempt 2 without attempt 1. Now the exception is the attempt's failure, retried by the
 * schedule. Found by review.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "tempora.webhooks.timeout=PT1S",
            "tempora.webhooks.retry-schedule=PT0.3S,PT0.6S,PT0.9S",
            "tempora.webhooks.load-interval=PT0.5S"
        })
@Import(WebhookSendFailureTests.FailingOnce.class)
class WebhookSendFailureTests {

    static final AtomicInteger FAILURES = new AtomicInteger(1);

    @TestConfiguration
    static class FailingOnce {
        @Bean
        @Primary
        WebhookSigner failingOnceSigner(WebhookSecrets secrets) {
            return new WebhookSigner(secrets) {
                @Override
                Map<String, String> headers(String id, long timestampSeconds, String body) {
                    if (FAILURES.getAndDecrement() > 0) {
                        throw new IllegalStateException("injected signing failure");
                    }
                    return super.headers(id, timestampSeconds, body);
                }
            };
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    Api api;
    MockWebServer receiver;

    @BeforeEach
    void setUp() throws Exception {
        api = new Api(port);
        receiver = new MockWebServer();
        receiver.start(InetAddress.getLoopbackAddress(), 0);
        receiver.enqueue(new MockResponse.Builder().code(200).build());
        receiver.enqueue(new MockResponse.Builder().code(200).build());
    }

    @AfterEach
    void tearDown() {
        receiver.close();
    }

    @Test
    void aDeliveryWhoseSendThrowsIsRetriedByThePolicyAndNumberedWithoutGaps() throws Exception {
        var task = api.submit("{\"handler\": \"echo\", \"callbackUrl\": \"%s\"}".formatted(receiver.url("/hooks")));
        await().atMost(Duration.ofSeconds(10)).until(() -> FAILURES.get() < 0 || FAILURES.get() == 0);
        Thread.sleep(3000); // the retry schedule's first wait is 0.3 s
        var early = jdbc.sql("select d.state, d.attempts, d.lease_owner, (select count(*) from webhook_attempt a"
                        + " where a.delivery_id = d.id) as recorded from webhook_delivery d where d.task_id = :task")
                .param("task", UUID.fromString(task))
                .query()
                .singleRow();
        long start = System.nanoTime();
        var delivery = await().atMost(Duration.ofSeconds(60))
                .until(
                        () -> api.get("/api/v1/tasks/" + task + "/deliveries")
                                .body()
                                .path(0),
                        found -> found.path("state").asString().equals("SUCCEEDED"));
        long waited = Duration.ofNanos(System.nanoTime() - start).toSeconds();
        var numbers = delivery.path("attempts")
                .valueStream()
                .map(attempt -> attempt.path("attempt").asInt())
                .toList();
        assertThat(numbers)
                .as(
                        "3 s after the send failed the row was %s; SUCCEEDED %d s later; delivery %s",
                        early, waited, delivery)
                .isEqualTo(IntStream.rangeClosed(1, numbers.size()).boxed().toList());
    }
}
