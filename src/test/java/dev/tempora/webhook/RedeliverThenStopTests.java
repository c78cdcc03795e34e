package dev.tempora.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tempora.Api;
import java.net.InetAddress;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A graceful stop while attempt 1, its lease taken away by a redelivery, and the redelivery
 * (attempt 2) both wait for their answers. Both were cut, and only the one still leased (attempt 2)
 * given back: attempt 1 stayed counted without a record, and after the restart the delivery listed
 * attempt 2 alone. Now the displaced attempt is recorded as stopped. Found by review.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "tempora.webhooks.timeout=PT30S",
            "tempora.webhooks.retry-schedule=PT0.3S,PT0.6S,PT0.9S",
            "tempora.webhooks.load-interval=PT0.5S"
        })
class RedeliverThenStopTests {

    @LocalServerPort
    int port;

    @Autowired
    WebhookSender sender;

    @Autowired
    JdbcClient jdbc;

    Api api;
    MockWebServer receiver;
    InOrder answered;

    @BeforeEach
    void setUp() throws Exception {
        api = new Api(port);
        receiver = new MockWebServer();
        answered = new InOrder(held(), held());
        receiver.setDispatcher(answered);
        receiver.start(InetAddress.getLoopbackAddress(), 0);
    }

    @AfterEach
    void tearDown() {
        receiver.close();
    }

    @Test
    void attemptsCutByAStopAfterARedeliveryLeaveNoGap() throws Exception {
        var task = api.submit("{\"handler\": \"echo\", \"callbackUrl\": \"%s\"}".formatted(receiver.url("/hooks")));
        var webhookId = answered.take().getHeaders().get("webhook-id");
        assertThat(api.post("/api/v1/deliveries/" + webhookId + "/redeliver").status())
                .isEqualTo(202);
        answered.take(); // the redelivery, attempt 2, in flight beside attempt 1
        sender.stop();
        java.util.Map<String, Object> afterStop;
        try {
            afterStop = jdbc.sql("select state, attempts, lease_owner from webhook_delivery where id = :id")
                    .param("id", UUID.fromString(webhookId))
                    .query()
                    .singleRow();
        } finally {
            sender.start();
        }
        var delivery = await().atMost(Duration.ofSeconds(15))
                .until(
                        () -> api.get("/api/v1/tasks/" + task + "/deliveries")
                                .body()
                                .path(0),
                        found -> found.path("state").asString().equals("SUCCEEDED"));
        var numbers = delivery.path("attempts")
                .valueStream()
                .map(attempt -> attempt.path("attempt").asInt())
                .toList();
        assertThat(numbers)
                .as("row right after the stop: %s; delivery: %s", afterStop, delivery)
                .isEqualTo(IntStream.rangeClosed(1, numbers.size()).boxed().toList());
    }

    private static MockResponse held() {
        return new MockResponse.Builder().headersDelay(20, TimeUnit.SECONDS).build();
    }
}
