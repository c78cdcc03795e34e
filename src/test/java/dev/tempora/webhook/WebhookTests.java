package dev.tempora.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookVerificationException;
import dev.tempora.Api;
import dev.tempora.TestHandlers;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import mockwebserver3.MockResponse;
import mockwebserver3.MockResponseBody;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Headers;
import okio.BufferedSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/** Webhook deliveries against real local receivers, verified with the Standard Webhooks library. */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "tempora.webhooks.secret=" + WebhookTests.SECRET,
            "tempora.webhooks.retry-schedule=PT0.3S,PT0.6S,PT0.9S",
            "tempora.webhooks.jitter=0.1",
            // Long, so that deliveries held up behind a hanging receiver would show: only one test waits it out.
            "tempora.webhooks.timeout=PT5S",
            "tempora.webhooks.load-interval=PT0.5S"
        })
@Import(TestHandlers.class)
class WebhookTests {

    static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    @LocalServerPort
    int port;

    @Autowired
    WebhookSender sender;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    MeterRegistry meters;

    @Autowired
    DataSource dataSource;

    Api api;
    MockWebServer receiver;

    @BeforeEach
    void setUp() throws Exception {
        api = new Api(port);
        receiver = new MockWebServer();
        receiver.start(InetAddress.getLoopbackAddress(), 0);
        TestHandlers.reset();
    }

    @AfterEach
    void tearDown() {
        receiver.close();
    }

    @Test
    void succeededTaskIsDeliveredSignedAndTheOfficialLibraryVerifiesIt() throws Exception {
        receiver.enqueue(ok());
        var id = submit("{\"handler\": \"echo\", \"args\": {\"n\": 7}, \"callbackUrl\": \"%s\"}");
        var request = take();
        var body = request.getBody().utf8();
        var headers = headers(request.getHeaders());

        new Webhook(SECRET).verify(body, headers);
        var event = Api.json(body);
        assertThat(event.path("type").asString()).isEqualTo("task.succeeded");
        assertThat(event.path("data").path("id").asString()).isEqualTo(id);
        assertThat(event.path("data").path("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(event.path("data").path("result").path("n").asInt()).isEqualTo(7);
        assertThat(Instant.parse(event.path("timestamp").asString()))
                .isBefore(Instant.now().plusSeconds(1));
        assertThat(request.getHeaders().get("Content-Type")).startsWith("application/json");
        long timestamp = Long.parseLong(request.getHeaders().get("webhook-timestamp"));
        assertThat(Math.abs(Instant.now().getEpochSecond() - timestamp)).isLessThanOrEqualTo(5);

        assertThatThrownBy(() -> new Webhook(SECRET).verify(body.replace("\"n\":7", "\"n\":8"), headers))
                .as("a tampered body is rejected")
                .isInstanceOf(WebhookVerificationException.class);
        assertThatThrownBy(() -> new Webhook("whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=").verify(body, headers))
                .as("the wrong secret is rejected")
                .isInstanceOf(WebhookVerificationException.class);

        var deliveries = awaitDelivery(id, "SUCCEEDED");
        assertThat(deliveries.get(0).path("id").asString())
                .isEqualTo(request.getHeaders().get("webhook-id"));
        assertThat(deliveries.get(0).path("attempts").get(0).path("statusCode").asInt())
                .isEqualTo(200);
    }

    @Test
    void theEventTimestampHasTheMicrosecondsOfTheTasksAndIsTheDeliverysCreatedAt() throws Exception {
        // It carried the clock's nanoseconds (nine digits), while the task in data and the delivery
        // carry the microseconds the database stores.
        receiver.enqueue(ok());
        var id = submit("{\"handler\": \"echo\", \"callbackUrl\": \"%s\"}");
        var event = Api.json(take().getBody().utf8());
        var timestamp = event.path("timestamp").asString();
        var finishedAt = event.path("data").path("finishedAt").asString();
        var asStored = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3,6}Z";
        assertThat(finishedAt).matches(asStored);
        assertThat(timestamp).matches(asStored);
        assertThat(Instant.parse(timestamp)).isAfterOrEqualTo(Instant.parse(finishedAt));
        assertThat(awaitDelivery(id, "SUCCEEDED").get(0).path("createdAt").asString())
                .isEqualTo(timestamp);
    }

    @Test
    void failedAndCancelledTasksAreDeliveredToo() throws Exception {
        receiver.enqueue(ok());
        receiver.enqueue(ok());
        var failed = submit("{\"handler\": \"fail\", \"args\": {\"message\": \"boom\"}, \"callbackUrl\": \"%s\"}");
        var failedEvent = Api.json(take().getBody().utf8());
        assertThat(failedEvent.path("type").asString()).isEqualTo("task.failed");
        assertThat(failedEvent.path("data").path("exception").path("message").asString())
                .isEqualTo("boom");

        var cancelled = submit("{\"handler\": \"echo\", \"delay\": 3600, \"callbackUrl\": \"%s\"}");
        api.post("/api/v1/tasks/" + cancelled + "/cancel");
        var cancelledEvent = Api.json(take().getBody().utf8());
        assertThat(cancelledEvent.path("type").asString()).isEqualTo("task.cancelled");
        assertThat(cancelledEvent.path("data").path("id").asString()).isEqualTo(cancelled);
        assertThat(failed).isNotEqualTo(cancelled);
    }

    @Test
    void callbackEventsChooseWhatIsSent() throws Exception {
        receiver.enqueue(ok());
        receiver.enqueue(ok());
        var id = submit("""
                {"handler": "echo", "callbackUrl": "%s", "callbackEvents": ["task.started", "task.succeeded"]}""");
        var types = List.of(
                Api.json(take().getBody().utf8()).path("type").asString(),
                Api.json(take().getBody().utf8()).path("type").asString());
        assertThat(types).containsExactlyInAnyOrder("task.started", "task.succeeded");

        receiver.enqueue(ok());
        submit("{\"handler\": \"echo\", \"callbackUrl\": \"%s\", \"callbackEvents\": [\"task.failed\"]}");
        assertThat(receiver.takeRequest(1500, TimeUnit.MILLISECONDS))
                .as("no event it did not ask for")
                .isNull();
        assertThat(api.get("/api/v1/tasks/" + id).body().path("callbackEvents").size())
                .isEqualTo(2);
    }

    @Test
    void receiverFailingTwiceThenSucceedingGetsTheSameIdAfterTheScheduledWaits() throws Exception {
        receiver.enqueue(new MockResponse.Builder().code(500).body("down").build());
        receiver.enqueue(new MockResponse.Builder().code(503).build());
        receiver.enqueue(ok());
        var id = submit("{\"handler\": \"echo\", \"callbackUrl\": \"%s\"}");
        var requests = new ArrayList<RecordedRequest>();
        for (int i = 0; i < 3; i++) {
            requests.add(take());
        }
        var ids = new ArrayList<String>();
        var timestamps = new ArrayList<Long>();
        for (var request : requests) {
            ids.add(request.getHeaders().get("webhook-id"));
            timestamps.add(Long.parseLong(request.getHeaders().get("webhook-timestamp")));
            new Webhook(SECRET).verify(request.getBody().utf8(), headers(request.getHeaders()));
        }
        assertThat(ids).as("webhook-id is stable across retries").containsOnly(ids.getFirst());
        assertThat(timestamps).as("webhook-timestamp is fresh on each attempt").isSorted();

        var delivery = awaitDelivery(id, "SUCCEEDED").get(0);
        var attempts = delivery.path("attempts");
        assertThat(attempts.size()).isEqualTo(3);
        // The schedule: 0.3 s then 0.6 s, each within the 10% jitter. Timed by when Tempora sent each
        // attempt, so that the pace at which this test takes them does not count.
        var sentAt = attempts.valueStream()
                .map(attempt -> Instant.parse(attempt.path("at").asString()))
                .toList();
        assertThat(Duration.between(sentAt.get(0), sentAt.get(1))).isGreaterThanOrEqualTo(Duration.ofMillis(250));
        assertThat(Duration.between(sentAt.get(1), sentAt.get(2))).isGreaterThanOrEqualTo(Duration.ofMillis(520));
        assertThat(attempts.get(0).path("statusCode").asInt()).isEqualTo(500);
        assertThat(attempts.get(0).path("responseBody").asString()).isEqualTo("down");
        assertThat(attempts.get(1).path("statusCode").asInt()).isEqualTo(503);
        assertThat(attempts.get(2).path("statusCode").asInt()).isEqualTo(200);
        assertThat(attempts.valueStream().filter(a -> a.path("statusCode").asInt() == 200))
                .hasSize(1);
        assertThat(receiver.takeRequest(1200, TimeUnit.MILLISECONDS))
                .as("nothing after success")
                .isNull();
    }

    @Test
    void prometheusCountsAttemptsByOutcomeAndTimesThem() throws Exception {
        receiver.enqueue(new MockResponse.Builder().code(500).build());
        receiver.enqueue(ok());
        var id = submit("{\"handler\": \"echo\", \"callbackUrl\": \"%s\"}");
        take();
        take();
        awaitDelivery(id, "SUCCEEDED");

        // The meters are the context's, shared with the other tests: at least this test's counts.
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(api.get("/actuator/prometheus").text())
                        .containsPattern("tempora_webhook_attempts_total\\{application=\"tempora\","
                                + "event=\"task.succeeded\",outcome=\"rejected\"} [1-9]")
                        .containsPattern("tempora_webhook_attempts_total\\{application=\"tempora\","
                                + "event=\"task.succeeded\",outcome=\"delivered\"} [1-9]")
                        .containsPattern("tempora_webhook_deliveries_ended_total\\{application=\"tempora\","
                                + "event=\"task.succeeded\",state=\"succeeded\"} [1-9]")
                        .contains("# TYPE tempora_webhook_attempt_duration_seconds histogram")
                        .contains("tempora_webhook_attempt_duration_seconds_bucket{application=\"tempora\","
                                + "outcome=\"delivered\",le=\"0.001\"}")
                        .contains("# TYPE tempora_webhook_first_attempt_delay_seconds histogram")
                        .containsPattern("tempora_webhook_first_attempt_delay_seconds_count\\{application=\"tempora\","
                                + "event=\"task.succeeded\"} [1-9]")
                        .contains("tempora_webhook_in_flight_attempts{application=\"tempora\"}"));
    }

    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void afterTheLastRetryTheDeliveryIsFailedAndStaysInspectable(CapturedOutput output) throws Exception {
        for (int i = 0; i < 4; i++) {
            receiver.enqueue(new MockResponse.Builder().code(500).build());
        }
        var id = submit("{\"handler\": \"echo\", \"callbackUrl\": \"%s?token=s3cret\"}");
        for (int i = 0; i < 4; i++) {
            take();
        }
        var delivery = awaitDelivery(id, "FAILED").get(0);
        assertThat(delivery.path("attempts").size()).isEqualTo(4);
        assertThat(delivery.path("nextAttemptAt").isNull()).isTrue();
        assertThat(receiver.takeRequest(1500, TimeUnit.MILLISECONDS)).isNull();
        // Its warning names the task (in the MDC, as a task's own lines do), and not the URL's query,
        // where a receiver's token often is.
        var warning = output.getOut()
                .lines()
                .filter(line -> line.contains("Webhook " + delivery.path("id").asString()))
                .filter(line -> line.contains("FAILED after 4 attempts"))
                .findFirst();
        assertThat(warning)
                .hasValueSatisfying(line -> assertThat(line)
                        .contains("[" + id + "]")
                        .contains(receiver.url("/hooks").toString() + "?…")
                        .doesNotContain("s3cret"));
    }

    @Test
    void goneStopsRetries() throws Exception {
        receiver.enqueue(new MockResponse.Builder().code(410).build());
        var id = submit("{\"handler\": \"echo\", \"callbackUrl\": \"%s\"}");
        take();
        var delivery = awaitDelivery(id, "FAILED").get(0);
        assertThat(delivery.path("attempts").size()).isEqualTo(1);
        assertThat(receiver.takeRequest(1000, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void anAnswerHoldingANulCharacterIsRecordedWithAReplacementCharacter() throws Exception {
        // PostgreSQL's text cannot hold U+0000: the attempt failed to be recorded, and the delivery
        // stayed PENDING though the receiver had taken it.
        receiver.enqueue(
                new MockResponse.Builder().code(200).body("ok\u0000fine").build());
        var id = submit("{\"handler\": \"echo\", \"callbackUrl\": \"%s\"}");
        take();
        var attempts = awaitDelivery(id, "SUCCEEDED").get(0).path("attempts");
        assertThat(attempts.size()).isEqualTo(1);
        assertThat(attempts.get(0).path("responseBody").asString()).isEqualTo("ok\uFFFDfine");
    }

    @Test
    void redirectIsNotFollowedAndCountsAsAFailure() throws Exception {
        receiver.enqueue(new MockResponse.Builder()
                .code(302)
                .headers(Headers.of("Location", receiver.url("/elsewhere").toString()))
                .body("moved")
                .build());
        receiver.enqueue(ok());
        var id = submit("{\"handler\": \"echo\", \"callbackUrl\": \"%s\"}");
        assertThat(take().getUrl().encodedPath()).isEqualTo("/hooks");
        assertThat(take().getUrl().encodedPath())
                .as("the retry goes to the same URL")
                .isEqualTo("/hooks");
        var attempts = awaitDelivery(id, "SUCCEEDED").get(0).path("attempts");
        assertThat(attempts.get(0).path("statusCode").asInt())
                .as(attempts.toString())
                .isEqualTo(302);
    }

    @Test
    void hangingReceiverIsCutAtTheTimeoutWhileOtherDeliveriesProceed() throws Exception {
        try (var healthy = new MockWebServer()) {
            healthy.start(InetAddress.getLoopbackAddress(), 0);
            receiver.enqueue(new MockResponse.Builder()
                    .headersDelay(20, TimeUnit.SECONDS)
                    .build());
            for (int i = 0; i < 5; i++) {
                healthy.enqueue(ok());
            }
            var hanging = submit("{\"handler\": \"echo\", \"callbackUrl\": \"%s\"}");
            take();
            for (int i = 0; i < 5; i++) {
                api.submit("{\"handler\": \"echo\", \"callbackUrl\": \"%s\"}".formatted(healthy.url("/ok")));
            }
            for (int i = 0; i < 5; i++) {
                assertThat(healthy.takeRequest(10, TimeUnit.SECONDS)).isNotNull();
            }
            var healthyArrived = Instant.now();
            var attempt = awaitAttempts(hanging, 1).get(0).path("attempts").get(0);
            assertThat(attempt.path("error").asString()).contains("no answer within PT5S");
            assertThat(attempt.path("durationMs").asLong())
                    .as("cut at the timeout, long before the receiver's 20 s")
                    .isBetween(4_500L, 15_000L);
            // Deliveries held up behind the hanging one would arrive only once it is cut, 5 s after it
            // was sent: these must all have arrived before that, however slowly this test ran.
            var hangingCut = Instant.parse(attempt.path("at").asString())
                    .plusMillis(attempt.path("durationMs").asLong());
            assertThat(healthyArrived)
                    .as("the other deliveries arrived while the hanging one was still waiting")
                    .isBefore(hangingCut);
        }
    }

    @Test
    void aReceiverThatAnswers200AndFloodsAnEndlessBodyIsDeliveredOnceItsKeptBytesHaveCome() throws Exception {
        // The whole body was read (and dropped) until the timeout cut it: the attempt was recorded as
        // "no answer" and sent again, though the receiver had answered 200 at once.
        receiver.enqueue(new MockResponse.Builder()
                .code(200)
                .body(new EndlessBody(8192, Duration.ofMillis(1)))
                .build());
        receiver.enqueue(ok());
        var id = submit("{\"handler\": \"echo\", \"callbackUrl\": \"%s\"}");
        take();
        var attempts = awaitDelivery(id, "SUCCEEDED").get(0).path("attempts");
        assertThat(attempts.size()).as(attempts.toString()).isEqualTo(1);
        assertThat(attempts.get(0).path("statusCode").asInt()).isEqualTo(200);
        assertThat(attempts.get(0).path("error").isNull())
                .as(attempts.toString())
                .isTrue();
        assertThat(attempts.get(0).path("responseBody").asString()).startsWith("okxxx");
        assertThat(attempts.get(0).path("durationMs").asLong())
                .as("closed once the kept bytes came, not at the 5 s timeout")
                .isLessThan(4_000L);
        assertThat(receiver.takeRequest(1000, TimeUnit.MILLISECONDS))
                .as("not sent again")
                .isNull();
    }

    @Test
    void aReceiverThatAnswers200AndTricklesItsBodyIsDeliveredAtTheTimeoutWithWhatCame() throws Exception {
        receiver.enqueue(new MockResponse.Builder()
                .code(200)
                .body(new EndlessBody(1, Duration.ofMillis(200)))
                .build());
        receiver.enqueue(ok());
        var id = submit("{\"handler\": \"echo\", \"callbackUrl\": \"%s\"}");
        take();
        var attempts = awaitAttempts(id, 1).get(0).path("attempts");
        assertThat(attempts.size()).as(attempts.toString()).isEqualTo(1);
        assertThat(attempts.get(0).path("statusCode").asInt())
                .as(attempts.toString())
                .isEqualTo(200);
        assertThat(attempts.get(0).path("error").isNull())
                .as(attempts.toString())
                .isTrue();
        assertThat(attempts.get(0).path("responseBody").asString()).startsWith("okx");
        assertThat(attempts.get(0).path("durationMs").asLong())
                .as("the body is read for the timeout at most")
                .isBetween(4_500L, 8_000L);
        assertThat(awaitDelivery(id, "SUCCEEDED").get(0).path("attempts").size())
                .isEqualTo(1);
        assertThat(receiver.takeRequest(1000, TimeUnit.MILLISECONDS))
                .as("not sent again")
                .isNull();
    }

    @Test
    void aShortenedOrNonDecimalIpv4HostIsA400NamingCallbackUrlAndSayingWhy() throws Exception {
        // 127.1 was "must be an absolute http or https URL" (java.net.URI reads it as no host at all);
        // 2130706433 and 0x7f000001 were accepted, and programs disagree on what such hosts mean
        // (0177.0.0.1 is 127.0.0.1 to curl and browsers, 177.0.0.1 to Java).
        for (var host : List.of(
                "127.1", "127.0.1", "2130706433", "0x7f000001", "0x7f.0.0.1", "0177.0.0.1", "127.000.000.001")) {
            var url = "http://%s:%d/hooks".formatted(host, receiver.getPort());
            // Due in an hour: were it accepted, nothing would be sent while this test runs.
            var response = api.post(
                    "/api/v1/tasks",
                    "{\"handler\": \"echo\", \"delay\": 3600, \"callbackUrl\": \"%s\"}".formatted(url));
            assertThat(response.status()).as(url + ": " + response.text()).isEqualTo(400);
            assertThat(response.errorFields()).as(url).containsExactly("callbackUrl");
            assertThat(response.body().path("errors").get(0).path("message").asString())
                    .as(url)
                    .contains(host)
                    .contains("four decimal numbers");
        }
        var accepted = api.post(
                "/api/v1/tasks",
                "{\"handler\": \"echo\", \"delay\": 3600, \"callbackUrl\": \"%s\"}"
                        .formatted("http://127.0.0.1:%d/hooks".formatted(receiver.getPort())));
        assertThat(accepted.status()).as(accepted.text()).isEqualTo(201);
    }

    @Test
    void redeliverSendsAgainWithTheSameWebhookId() throws Exception {
        receiver.enqueue(ok());
        receiver.enqueue(ok());
        var id = submit("{\"handler\": \"echo\", \"callbackUrl\": \"%s\"}");
        var first = take().getHeaders().get("webhook-id");
        awaitDelivery(id, "SUCCEEDED");
        var redelivered = api.post("/api/v1/deliveries/" + first + "/redeliver");
        assertThat(redelivered.status()).isEqualTo(202);
        assertThat(redelivered.body().path("state").asString()).isEqualTo("PENDING");
        assertThat(take().getHeaders().get("webhook-id")).isEqualTo(first);
        assertThat(awaitAttempts(id, 2).get(0).path("state").asString()).isEqualTo("SUCCEEDED");
    }

    @Test
    void aTaskWhoseArgsAndResultAreBothNearTheirLimitEndsAndIsDelivered() throws Exception {
        // The event carries args and result, each up to 1 Mi characters: over the payload column's
        // 2 Mi, the delivery could not be written, nor the outcome in its transaction, and the task
        // stayed RUNNING for good.
        receiver.enqueue(ok());
        var result = "x".repeat(1_048_400);
        var id = submit("{\"handler\": \"sleep\", \"args\": {\"seconds\": 0, \"result\": \"" + result
                + "\"}, \"callbackUrl\": \"%s\"}");
        var task = api.get("/api/v1/tasks/" + id + "?wait=PT10S").body();
        assertThat(task.path("state").asString()).isEqualTo("SUCCEEDED");
        var data = Api.json(take().getBody().utf8()).path("data");
        assertThat(data.path("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(data.path("result").asString()).isEqualTo(result);
        assertThat(data.path("args").path("result").asString()).isEqualTo(result);
    }

    @Test
    void aStopWaitsForALeaseUnderWayAndGivesItsAttemptBackToo() throws Exception {
        // A drain that had found the sender running just before a stop leased and sent after it: the
        // stop had nothing to cut yet, and the attempt stayed leased by a stopped sender until its
        // lease ended (timeout + 30 s). Here the drain's lease waits for a row lock while the stop
        // comes; the stop must wait for it, then give its attempt back like any other.
        receiver.enqueue(ok());
        var id = submit("{\"handler\": \"echo\", \"callbackUrl\": \"%s\"}");
        var webhookId = UUID.fromString(take().getHeaders().get("webhook-id"));
        awaitDelivery(id, "SUCCEEDED");
        receiver.enqueue(ok());
        receiver.enqueue(ok());
        try (var holder = dataSource.getConnection();
                var lock = holder.prepareStatement("select id from webhook_delivery where id = ? for update")) {
            holder.setAutoCommit(false);
            lock.setObject(1, webhookId);
            // Due again two seconds from now, when the loader's timer sends it; its row locked at once
            // (on a connection already open), long before then.
            assertThat(jdbc.sql("update webhook_delivery set state = 'PENDING', next_attempt_at = :at,"
                                    + " lease_owner = null, lease_until = null where id = :id")
                            .param("at", OffsetDateTime.now(ZoneOffset.UTC).plusSeconds(2))
                            .param("id", webhookId)
                            .update())
                    .isEqualTo(1);
            lock.executeQuery().close();
            assertThat(jdbc.sql("select count(*) from webhook_delivery where id = :id and lease_owner is null")
                            .param("id", webhookId)
                            .query(Long.class)
                            .single())
                    .as("the row locked before the sender leased it")
                    .isEqualTo(1);
            var blocked = holder.getMetaData().getDatabaseProductName().equals("H2")
                    ? "select count(*) from information_schema.sessions where blocker_id is not null"
                    : "select count(*) from pg_locks where not granted";
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> jdbc.sql(blocked).query(Long.class).single() > 0);
            var stopping = CompletableFuture.runAsync(sender::stop);
            try {
                await().atMost(Duration.ofSeconds(5)).until(() -> !sender.isRunning());
                Thread.sleep(300); // time for a stop that does not wait to be done before the lease goes on
                assertThat(stopping)
                        .as("the stop waits for the lease under way")
                        .isNotDone();
                holder.commit();
                stopping.get(15, TimeUnit.SECONDS);
                await().atMost(Duration.ofSeconds(5))
                        .until(() ->
                                meters.get("tempora.webhook.in.flight").gauge().value() == 0);
                // Given back, not sent: the lease ended after the stop had begun.
                var row = jdbc.sql("select state, attempts, lease_owner from webhook_delivery where id = :id")
                        .param("id", webhookId)
                        .query()
                        .singleRow();
                assertThat(row.get("lease_owner")).as(row.toString()).isNull();
                assertThat(row.get("state")).as(row.toString()).isEqualTo("PENDING");
                assertThat(((Number) row.get("attempts")).intValue())
                        .as(row.toString())
                        .isEqualTo(1);
                assertThat(receiver.getRequestCount())
                        .as("sent once, before the stop")
                        .isEqualTo(1);
            } finally {
                stopping.join();
                sender.start();
            }
        }
        var attempts = awaitDelivery(id, "SUCCEEDED").get(0).path("attempts");
        assertThat(attempts.size()).as(attempts.toString()).isEqualTo(2);
        assertThat(attempts.get(1).path("attempt").asInt()).isEqualTo(2);
    }

    @Test
    void aStopCutsAnAttemptInFlightAndGivesItBackForTheNextStart() throws Exception {
        // Left leased, such an attempt was sent again only once its lease ended (timeout + 30 s) after
        // the next start, as attempt 2 of a delivery that listed no attempt 1.
        receiver.enqueue(
                new MockResponse.Builder().headersDelay(20, TimeUnit.SECONDS).build());
        receiver.enqueue(ok());
        var id = submit("{\"handler\": \"echo\", \"callbackUrl\": \"%s\"}");
        var webhookId = take().getHeaders().get("webhook-id");
        sender.stop();
        try {
            var row = jdbc.sql("select state, attempts, lease_owner from webhook_delivery where id = :id")
                    .param("id", UUID.fromString(webhookId))
                    .query()
                    .singleRow();
            assertThat(row.get("state")).isEqualTo("PENDING");
            assertThat(((Number) row.get("attempts")).intValue()).isZero();
            assertThat(row.get("lease_owner")).isNull();
        } finally {
            sender.start();
        }
        assertThat(take().getHeaders().get("webhook-id")).isEqualTo(webhookId);
        var attempts = awaitDelivery(id, "SUCCEEDED").get(0).path("attempts");
        assertThat(attempts.size()).as(attempts.toString()).isEqualTo(1);
        assertThat(attempts.get(0).path("attempt").asInt()).isEqualTo(1);
        assertThat(attempts.get(0).path("statusCode").asInt()).isEqualTo(200);
    }

    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void anAttemptLeasedByANodeThatIsGoneIsSentAgainAtOnce(CapturedOutput output) throws Exception {
        // As after kill -9: the attempt's lease names an incarnation no longer in the node list. It
        // waited out the lease (timeout + 30 s, here 35 s) before being sent again. Recorded as
        // stopped, it was counted in no metric: the instance that sent it never could, and the one
        // that took it over did not.
        double stopped = attemptsCounted("stopped");
        receiver.enqueue(
                new MockResponse.Builder().headersDelay(20, TimeUnit.SECONDS).build());
        receiver.enqueue(ok());
        var id = submit("{\"handler\": \"echo\", \"callbackUrl\": \"%s\"}");
        var webhookId = take().getHeaders().get("webhook-id");
        assertThat(jdbc.sql("update webhook_delivery set lease_owner = 'vm-0-gone/1' where id = :id")
                        .param("id", UUID.fromString(webhookId))
                        .update())
                .isEqualTo(1);
        assertThat(take().getHeaders().get("webhook-id")).isEqualTo(webhookId);
        assertThat(attemptsCounted("stopped") - stopped)
                .as("counted when it was taken over")
                .isEqualTo(1);
        var delivery = awaitDelivery(id, "SUCCEEDED").get(0);
        // Attempt 1 was counted and never recorded: the delivery listed attempt 2 alone.
        var attempts = delivery.path("attempts");
        assertThat(attempts.size()).as(delivery.toString()).isEqualTo(2);
        assertThat(attempts.get(0).path("attempt").asInt()).isEqualTo(1);
        assertThat(attempts.get(0).path("statusCode").isNull()).isTrue();
        assertThat(attempts.get(0).path("error").asString())
                .isEqualTo("no answer: the instance sending it stopped before one came");
        assertThat(Instant.parse(attempts.get(0).path("at").asString()))
                .as("when it was sent, as its lease tells")
                .isBefore(Instant.parse(attempts.get(1).path("at").asString()));
        assertThat(attempts.get(1).path("attempt").asInt()).isEqualTo(2);
        assertThat(attempts.get(1).path("statusCode").asInt()).isEqualTo(200);

        // Here the instance is alive (as one back from a long pause would be): attempt 1 ends at the 5 s
        // timeout, after it was recorded as stopped. That outcome is dropped, and others still recorded;
        // nor is it counted again, as the no answer it came to.
        // The counter is this context's: first let any delivery an earlier test left retrying end.
        await().atMost(Duration.ofSeconds(20))
                .until(() -> jdbc.sql("select count(*) from webhook_delivery where state = 'PENDING' and id <> :id")
                                .param("id", UUID.fromString(webhookId))
                                .query(Long.class)
                                .single()
                        == 0);
        double noAnswer = attemptsCounted("no_answer");
        var firstEnded = Instant.parse(attempts.get(0).path("at").asString()).plusSeconds(6);
        Thread.sleep(Math.max(0, Duration.between(Instant.now(), firstEnded).toMillis()));
        receiver.enqueue(ok());
        var next = submit("{\"handler\": \"echo\", \"callbackUrl\": \"%s\"}");
        take();
        assertThat(awaitDelivery(next, "SUCCEEDED").get(0).path("attempts").size())
                .isEqualTo(1);
        assertThat(api.get("/api/v1/tasks/" + id + "/deliveries").body().get(0).path("attempts"))
                .isEqualTo(attempts);
        await().atMost(Duration.ofSeconds(5))
                .until(() ->
                        output.getOut().contains("Webhook " + webhookId + " attempt 1 ended after it was recorded"));
        assertThat(attemptsCounted("no_answer"))
                .as("the dropped outcome is not counted")
                .isEqualTo(noAnswer);
    }

    /** Attempts at {@code task.succeeded} deliveries counted with {@code outcome}, by this context. */
    private double attemptsCounted(String outcome) {
        var counter = meters.find("tempora.webhook.attempts")
                .tags("event", "task.succeeded", "outcome", outcome)
                .counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void redeliverWhileAnAttemptWaitsSendsAgainAtOnce() throws Exception {
        // The attempt in flight held its lease: the redelivery was sent only once that attempt had
        // failed (here at the 5 s timeout), and with the default schedule not for 5 minutes.
        // Answered in the order taken here: the server's own queue records a request before it
        // takes its answer, so a redelivery could take the first answer while attempt 1's thread
        // was descheduled between the two.
        var answered = new InOrder(
                new MockResponse.Builder().headersDelay(20, TimeUnit.SECONDS).build(), ok());
        receiver.setDispatcher(answered);
        var id = submit("{\"handler\": \"echo\", \"callbackUrl\": \"%s\"}");
        var webhookId = answered.take().getHeaders().get("webhook-id");
        assertThat(api.post("/api/v1/deliveries/" + webhookId + "/redeliver").status())
                .isEqualTo(202);
        assertThat(answered.take().getHeaders().get("webhook-id")).isEqualTo(webhookId);
        var delivery = awaitDelivery(id, "SUCCEEDED").get(0);
        var attempts = delivery.path("attempts").valueStream().toList();
        var redelivered = attempts.stream()
                .filter(attempt -> attempt.path("attempt").asInt() == 2)
                .findFirst()
                .orElseThrow();
        assertThat(redelivered.path("statusCode").asInt())
                .as(delivery.toString())
                .isEqualTo(200);
        // Attempt 1 is recorded once its answer fails to come; if it already is, it ended after.
        attempts.stream()
                .filter(attempt -> attempt.path("attempt").asInt() == 1)
                .forEach(waiting -> assertThat(
                                Instant.parse(redelivered.path("at").asString()))
                        .as("sent while attempt 1 still waited for its answer: %s", delivery)
                        .isBefore(Instant.parse(waiting.path("at").asString())
                                .plusMillis(waiting.path("durationMs").asLong())));
        receiver.close(); // attempt 1 fails now
        var after = awaitAttempts(id, 2).get(0);
        assertThat(after.path("state").asString())
                .as("attempt 1's failure does not undo the redelivery's success: %s", after)
                .isEqualTo("SUCCEEDED");
    }

    @Test
    void deliveryEndpointsAnswer404ForUnknownIds() {
        assertThat(api.get("/api/v1/tasks/0193a5b4-0000-7000-8000-000000000000/deliveries")
                        .status())
                .isEqualTo(404);
        assertThat(api.post("/api/v1/deliveries/0193a5b4-0000-7000-8000-000000000000/redeliver")
                        .status())
                .isEqualTo(404);
        assertThat(api.post("/api/v1/deliveries/nope/redeliver").status()).isEqualTo(404);
        var id = api.submit("{\"handler\": \"echo\"}");
        assertThat(api.get("/api/v1/tasks/" + id + "/deliveries").body().size()).isZero();
    }

    /**
     * One real delivery verified by the npm {@code standardwebhooks} package in Node. Skipped, with
     * the reason, when node/npm are not installed or the npm registry cannot be reached.
     */
    @Test
    void theNpmStandardWebhooksLibraryVerifiesADelivery() throws Exception {
        var work = NodeReceiver.prepare();
        try (var node = NodeReceiver.start(work, SECRET)) {
            var id = api.submit("{\"handler\": \"echo\", \"args\": \"from node\", \"callbackUrl\": \"%s\"}"
                    .formatted("http://127.0.0.1:" + node.port() + "/hook"));
            var line = node.nextLine(Duration.ofSeconds(15));
            assertThat(line).as("node printed a verdict").isNotNull();
            var verdict = Api.json(line);
            assertThat(verdict.path("verified").asBoolean()).as(line).isTrue();
            assertThat(verdict.path("type").asString()).isEqualTo("task.succeeded");
            assertThat(awaitDelivery(id, "SUCCEEDED").get(0).path("id").asString())
                    .isEqualTo(verdict.path("id").asString());
        }
    }

    /** A body that never ends: {@code ok}, then {@code chunk} bytes of {@code x} every {@code pause}. */
    private record EndlessBody(int chunk, Duration pause) implements MockResponseBody {
        @Override
        public long getContentLength() {
            return 1L << 40;
        }

        @Override
        public void writeTo(BufferedSink sink) throws IOException {
            sink.writeUtf8("ok");
            sink.flush();
            var bytes = "x".repeat(chunk).getBytes(StandardCharsets.US_ASCII);
            long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < end) { // until the client goes away (an IOException) or the server closes
                sink.write(bytes);
                sink.flush();
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private String submit(String template) {
        return api.submit(template.formatted(receiver.url("/hooks")));
    }

    private RecordedRequest take() throws InterruptedException {
        var request = receiver.takeRequest(10, TimeUnit.SECONDS);
        assertThat(request).as("a delivery arrived").isNotNull();
        return request;
    }

    private static MockResponse ok() {
        return new MockResponse.Builder().code(200).body("thanks").build();
    }

    private static Map<String, List<String>> headers(Headers headers) {
        return headers.toMultimap();
    }

    private List<JsonNode> awaitDelivery(String taskId, String state) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            var deliveries = api.get("/api/v1/tasks/" + taskId + "/deliveries").body();
            if (deliveries.size() > 0
                    && deliveries.get(0).path("state").asString().equals(state)) {
                return deliveries.valueStream().toList();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("delivery never became " + state + ": " + deliveries);
            }
            Thread.sleep(50);
        }
    }

    private List<JsonNode> awaitAttempts(String taskId, int attempts) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            var deliveries = api.get("/api/v1/tasks/" + taskId + "/deliveries").body();
            if (deliveries.size() > 0 && deliveries.get(0).path("attempts").size() >= attempts) {
                return deliveries.valueStream().toList();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("never " + attempts + " attempts: " + deliveries);
            }
            Thread.sleep(50);
        }
    }
}
