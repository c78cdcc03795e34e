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
 * {@code max-in-flight} and {@code max-in-flight-per-receiver}: no more attempts open at once, in
 * all and to one receiver; the deliveries that wait for a place go out as places free, each
 * receiver's in the order they became due, without using up an attempt; and a receiver that holds
 * its share leaves the other places to the others. The loader comes once a minute here, so none of
 * it can be the loader's doing.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "tempora.webhooks.max-in-flight=3",
            "tempora.webhooks.max-in-flight-per-receiver=2",
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
    void atMostItsShareIsOpenToOneReceiverAndItsWaitingGoOutOneByOneInTheOrderTheyBecameDue() throws Exception {
        // Due 300 ms apart, so they end, and their deliveries come due, in submission order, each
        // before the next (on a busy machine too: two in one group commit would race to wait).
        var first = Instant.now().plusSeconds(1);
        var ids = new ArrayList<String>();
        for (int i = 0; i < TASKS; i++) {
            ids.add(api.submit("{\"handler\": \"echo\", \"runAt\": \"%s\", \"callbackUrl\": \"%s\"}"
                    .formatted(first.plusMillis(300L * i), receiver.url("/hooks"))));
        }
        var open = List.of(holding.next(), holding.next());
        assertThat(open).containsExactlyInAnyOrderElementsOf(ids.subList(0, 2));
        awaitSucceeded(ids);
        // Every delivery is due now; two are open and the receiver holds them.
        assertThat(holding.arrived.poll(300, TimeUnit.MILLISECONDS))
                .as("no third attempt to the receiver while two are open")
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
        awaitDelivered(ids);
    }

    @Test
    void aReceiverThatHoldsItsShareLeavesTheOtherPlacesToTheOthers() throws Exception {
        try (var healthy = new MockWebServer()) {
            healthy.start(InetAddress.getLoopbackAddress(), 0);
            for (int i = 0; i < 3; i++) {
                healthy.enqueue(new MockResponse.Builder().code(200).build());
            }
            var held = submit(6, receiver.url("/hooks"));
            holding.next();
            holding.next();
            var others = submit(3, healthy.url("/ok"));
            for (int i = 0; i < others.size(); i++) {
                assertThat(healthy.takeRequest(10, TimeUnit.SECONDS))
                        .as("delivered while the first receiver holds its two")
                        .isNotNull();
            }
            assertThat(holding.arrived)
                    .as("the holding receiver got no more than its share")
                    .isEmpty();
            holding.answerAll();
            awaitDelivered(held);
            awaitDelivered(others);
            assertThat(holding.mostOpen.get()).isEqualTo(2);
        }
    }

    @Test
    void noMoreThanMaxInFlightAreOpenInAll() throws Exception {
        var second = new HoldingReceiver();
        try (var other = new MockWebServer()) {
            other.setDispatcher(second);
            other.start(InetAddress.getLoopbackAddress(), 0);
            var ids = new ArrayList<String>();
            ids.addAll(submit(3, receiver.url("/hooks")));
            ids.addAll(submit(3, other.url("/hooks")));
            awaitSucceeded(ids);
            await().atMost(Duration.ofSeconds(10)).until(() -> holding.arrived.size() + second.arrived.size() == 3);
            Thread.sleep(300);
            assertThat(holding.arrived.size() + second.arrived.size())
                    .as("three open in all, whatever the receivers' shares")
                    .isEqualTo(3);
            holding.answerAll();
            second.answerAll();
            awaitDelivered(ids);
        } finally {
            second.close();
        }
    }

    private List<String> submit(int tasks, Object url) {
        var ids = new ArrayList<String>();
        for (int i = 0; i < tasks; i++) {
            ids.add(api.submit("{\"handler\": \"echo\", \"callbackUrl\": \"%s\"}".formatted(url)));
        }
        return ids;
    }

    private void awaitSucceeded(List<String> ids) {
        for (var id : ids) {
            await().atMost(Duration.ofSeconds(10))
                    .until(
                            () -> api.get("/api/v1/tasks/" + id)
                                    .body()
                                    .path("state")
                                    .asString(),
                            "SUCCEEDED"::equals);
        }
    }

    /** Each task's one delivery SUCCEEDED at its first attempt. */
    private void awaitDelivered(List<String> ids) {
        for (var id : ids) {
            var delivery =
                    api.awaitFirstDeliverySucceeded(id, Duration.ofSeconds(10)).get(0);
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
