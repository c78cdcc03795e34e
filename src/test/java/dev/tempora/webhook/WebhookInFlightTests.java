package dev.tempora.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tempora.Api;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * {@code max-in-flight}: no more attempts open at once, and the deliveries that wait for a place
 * go out as places free, in the order they became due, without using up an attempt. The loader
 * comes once a minute here, so none of it can be the loader's doing.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "tempora.webhooks.max-in-flight=2",
            "tempora.webhooks.timeout=PT30S",
            "tempora.webhooks.load-interval=PT1M"
        })
class WebhookInFlightTests {

    private static final int TASKS = 8;

    @LocalServerPort
    int port;

    Api api;
    MockWebServer receiver;
    HoldingReceiver holding;

    @BeforeEach
    void setUp() throws Exception {
        api = new Api(port);
        holding = new HoldingReceiver();
        receiver = new MockWebServer();
        receiver.setDispatcher(holding);
        receiver.start(InetAddress.getLoopbackAddress(), 0);
    }

    @AfterEach
    void tearDown() {
        holding.close();
        receiver.close();
    }

    @Test
    void atMostMaxInFlightAreOpenAndTheWaitingGoOutOneByOneInTheOrderTheyBecameDue() throws Exception {
        // Due 60 ms apart, so they end, and their deliveries come due, in submission order.
        var first = Instant.now().plusSeconds(1);
        var ids = new ArrayList<String>();
        for (int i = 0; i < TASKS; i++) {
            ids.add(api.submit("{\"handler\": \"echo\", \"runAt\": \"%s\", \"callbackUrl\": \"%s\"}"
                    .formatted(first.plusMillis(60L * i), receiver.url("/hooks"))));
        }
        var open = List.of(holding.next(), holding.next());
        assertThat(open).containsExactlyInAnyOrderElementsOf(ids.subList(0, 2));
        for (var id : ids) {
            await().atMost(Duration.ofSeconds(10))
                    .until(
                            () -> api.get("/api/v1/tasks/" + id)
                                    .body()
                                    .path("state")
                                    .asString(),
                            "SUCCEEDED"::equals);
        }
        // Every delivery is due now; two are open and the receiver holds them.
        assertThat(holding.arrived.poll(300, TimeUnit.MILLISECONDS))
                .as("no third attempt while two are open")
                .isNull();

        var order = new ArrayList<String>();
        for (int i = 2; i < TASKS; i++) {
            holding.answerOne();
            order.add(holding.next());
        }
        holding.answerAll();

        assertThat(order)
                .as("one place freed at a time: the longest waiting goes next")
                .isEqualTo(ids.subList(2, TASKS));
        assertThat(holding.mostOpen.get()).isEqualTo(2);
        for (var id : ids) {
            var delivery = await().atMost(Duration.ofSeconds(10))
                    .until(
                            () -> api.get("/api/v1/tasks/" + id + "/deliveries")
                                    .body()
                                    .path(0),
                            found -> found.path("state").asString().equals("SUCCEEDED"));
            assertThat(delivery.path("attempts").size())
                    .as("waiting for a place uses no attempt")
                    .isEqualTo(1);
        }
    }

    /** Holds each request until the test lets one through; reports the task each was about. */
    private static final class HoldingReceiver extends Dispatcher {
        final BlockingQueue<String> arrived = new LinkedBlockingQueue<>();
        final AtomicInteger mostOpen = new AtomicInteger();
        private final AtomicInteger open = new AtomicInteger();
        private final Semaphore answers = new Semaphore(0);

        @Override
        public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
            mostOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
            try {
                arrived.add(Api.json(request.getBody().utf8())
                        .path("data")
                        .path("id")
                        .asString());
                answers.acquire();
                return new MockResponse.Builder().code(200).build();
            } finally {
                open.decrementAndGet();
            }
        }

        String next() throws InterruptedException {
            var taskId = arrived.poll(10, TimeUnit.SECONDS);
            assertThat(taskId).as("an attempt arrived").isNotNull();
            return taskId;
        }

        void answerOne() {
            answers.release();
        }

        void answerAll() {
            answers.release(1_000);
        }

        @Override
        public void close() {
            answerAll();
        }
    }
}
