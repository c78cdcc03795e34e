package dev.tempora.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tempora.Api;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * A retry is sent when it is due, not at the loader's next pass. The loader comes once a minute
 * here, so a retry whose timer fired a moment before its {@code next_attempt_at} (its delay was
 * rounded down to the millisecond, and its due time, kept to the nanosecond, was stored rounded to
 * the microsecond, so the lease found nothing due yet) showed as a minute's wait;
 * with the shipped 5 s interval, retries due after 5 s came at 9 s.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "tempora.webhooks.retry-schedule=PT0.2S",
            "tempora.webhooks.jitter=0.1",
            "tempora.webhooks.load-interval=PT1M"
        })
class WebhookRetryTimingTests {

    private static final int TASKS = 20;

    @LocalServerPort
    int port;

    Api api;
    MockWebServer receiver;

    @BeforeEach
    void setUp() throws Exception {
        api = new Api(port);
        receiver = new MockWebServer();
        receiver.setDispatcher(new FailFirstAttempt());
        receiver.start(InetAddress.getLoopbackAddress(), 0);
    }

    @AfterEach
    void tearDown() {
        receiver.close();
    }

    @Test
    void eachRetryIsSentWhenDueNotAtTheLoadersNextPass() {
        var ids = new ArrayList<String>();
        for (int i = 0; i < TASKS; i++) {
            ids.add(api.submit("{\"handler\": \"echo\", \"callbackUrl\": \"%s\"}".formatted(receiver.url("/hooks"))));
        }
        for (var id : ids) {
            var attempts = await().atMost(Duration.ofSeconds(15))
                    .until(
                            () -> api.get("/api/v1/tasks/" + id + "/deliveries")
                                    .body()
                                    .path(0)
                                    .path("attempts"),
                            found -> found.size() == 2);
            var first = Instant.parse(attempts.get(0).path("at").asString());
            var second = Instant.parse(attempts.get(1).path("at").asString());
            assertThat(attempts.get(1).path("statusCode").asInt()).isEqualTo(200);
            assertThat(Duration.between(first, second))
                    .as("task %s: the retry due 0.2 s after the first attempt", id)
                    .isBetween(Duration.ofMillis(180), Duration.ofSeconds(2));
        }
    }

    /** 500 to each delivery's first attempt, 200 to the rest. */
    private static final class FailFirstAttempt extends Dispatcher {
        private final Set<String> seen = ConcurrentHashMap.newKeySet();

        @Override
        public MockResponse dispatch(RecordedRequest request) {
            boolean first = seen.add(request.getHeaders().get("webhook-id"));
            return new MockResponse.Builder().code(first ? 500 : 200).build();
        }
    }
}
