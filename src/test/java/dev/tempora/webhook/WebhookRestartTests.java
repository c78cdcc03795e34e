package dev.tempora.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.standardwebhooks.Webhook;
import dev.tempora.TemporaProcess;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With real processes: a generated secret is printed once, stored and kept across restarts; a
 * delivery still pending when the process is killed is resumed by the next one, same webhook-id.
 */
@Tag("h2-only") // an H2 file: PostgreSQL has its own multi-instance tests
class WebhookRestartTests {

    @TempDir
    Path dir;

    @Test
    void pendingDeliveriesResumeAfterKillNineAndTheGeneratedSecretIsKept() throws Exception {
        var args = new String[] {
            "--spring.datasource.url=jdbc:h2:retry:" + dir.resolve("data/tempora") + ";DB_CLOSE_ON_EXIT=FALSE",
            "--tempora.webhooks.retry-schedule=PT4S",
            "--tempora.webhooks.jitter=0"
        };
        try (var receiver = new MockWebServer()) {
            receiver.start(InetAddress.getLoopbackAddress(), 0);
            receiver.enqueue(new MockResponse.Builder().code(500).build());
            receiver.enqueue(new MockResponse.Builder().code(200).build());
            String secret;
            String firstId;
            try (var first = TemporaProcess.start(dir, "first", args)) {
                var matcher = Pattern.compile("signing secret.*?: (whsec_\\S+)").matcher(first.log());
                assertThat(matcher.find()).as("the generated secret is printed").isTrue();
                secret = matcher.group(1);
                first.api().submit("{\"handler\": \"echo\", \"callbackUrl\": \"%s\"}".formatted(receiver.url("/hook")));
                var failed = receiver.takeRequest(10, TimeUnit.SECONDS);
                assertThat(failed).isNotNull();
                firstId = failed.getHeaders().get("webhook-id");
                Thread.sleep(300); // the failed attempt is recorded, the retry is 4 s away
                first.kill();
            }
            try (var second = TemporaProcess.start(dir, "second", args)) {
                assertThat(second.log()).doesNotContain("Generated the webhook signing secret");
                var retried = receiver.takeRequest(20, TimeUnit.SECONDS);
                assertThat(retried).as("the pending delivery resumed").isNotNull();
                assertThat(retried.getHeaders().get("webhook-id")).isEqualTo(firstId);
                new Webhook(secret)
                        .verify(retried.getBody().utf8(), retried.getHeaders().toMultimap());
            }
        }
    }

    @Test
    void anAttemptInFlightAtKillNineIsRecordedAsUnansweredWhenItIsSentAgain() throws Exception {
        // The attempt was counted when it was leased, and its outcome never came: the delivery listed
        // attempt 2 alone, and nothing said what had become of attempt 1. Then it was recorded as
        // sent at its lease's end less the second instance's lease length: with the timeouts here
        // (leases of 100 s and 40 s), a minute after the first instance was killed.
        var database =
                "--spring.datasource.url=jdbc:h2:retry:" + dir.resolve("data/tempora") + ";DB_CLOSE_ON_EXIT=FALSE";
        var secret = "--tempora.webhooks.secret=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        try (var receiver = new MockWebServer()) {
            receiver.start(InetAddress.getLoopbackAddress(), 0);
            receiver.enqueue(new MockResponse.Builder()
                    .headersDelay(60, TimeUnit.SECONDS)
                    .build());
            receiver.enqueue(new MockResponse.Builder().code(200).build());
            String taskId;
            String webhookId;
            Instant submitted;
            Instant killed;
            try (var first = TemporaProcess.start(dir, "first", database, secret, "--tempora.webhooks.timeout=PT70S")) {
                submitted = Instant.now();
                taskId = first.api()
                        .submit("{\"handler\": \"echo\", \"callbackUrl\": \"%s\"}".formatted(receiver.url("/hook")));
                var inFlight = receiver.takeRequest(10, TimeUnit.SECONDS);
                assertThat(inFlight).isNotNull();
                webhookId = inFlight.getHeaders().get("webhook-id");
                // The lease is committed before the attempt is sent; a submission's 201 comes after a
                // CHECKPOINT, which puts every commit before it in the file.
                first.api().submit("{\"handler\": \"echo\"}");
                killed = Instant.now();
                first.kill();
            }
            try (var second = TemporaProcess.start(dir, "second", database, secret)) { // the default timeout, 10 s
                var again = receiver.takeRequest(20, TimeUnit.SECONDS);
                assertThat(again).as("sent again after the restart").isNotNull();
                assertThat(again.getHeaders().get("webhook-id")).isEqualTo(webhookId);
                var delivery = second.api()
                        .awaitFirstDeliverySucceeded(taskId, Duration.ofSeconds(10))
                        .get(0);
                var attempts = delivery.path("attempts");
                assertThat(attempts.size()).as(delivery.toString()).isEqualTo(2);
                var stopped = attempts.get(0);
                assertThat(stopped.path("attempt").asInt()).isEqualTo(1);
                assertThat(stopped.path("statusCode").isNull())
                        .as(delivery.toString())
                        .isTrue();
                assertThat(stopped.path("error").asString()).contains("stopped");
                assertThat(Instant.parse(stopped.path("at").asString()))
                        .as("when the first instance sent it: %s", delivery)
                        .isBetween(submitted, killed);
                assertThat(attempts.get(1).path("attempt").asInt()).isEqualTo(2);
                assertThat(attempts.get(1).path("statusCode").asInt()).isEqualTo(200);
            }
        }
    }

    @Test
    void anOutcomeAReceiverHeardOfSurvivesKillNineRightAfter() throws Exception {
        // On H2 a task's outcome reaches the file in the background, up to a second after its
        // commit; its event is sent only after a CHECKPOINT. Without it, a kill a few milliseconds
        // after the receiver heard "succeeded" took the outcome back: the task ran again, and the
        // receiver heard of a second run, under another webhook-id.
        var args = new String[] {
            "--spring.datasource.url=jdbc:h2:retry:" + dir.resolve("data/tempora") + ";DB_CLOSE_ON_EXIT=FALSE",
            "--tempora.webhooks.secret=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        };
        try (var receiver = new MockWebServer()) {
            receiver.start(InetAddress.getLoopbackAddress(), 0);
            receiver.enqueue(new MockResponse.Builder().code(200).build());
            receiver.enqueue(new MockResponse.Builder().code(200).build());
            String taskId;
            String webhookId;
            try (var first = TemporaProcess.start(dir, "first", args)) {
                taskId = first.api()
                        .submit("{\"handler\": \"echo\", \"args\": {\"n\": 7}, \"callbackUrl\": \"%s\"}"
                                .formatted(receiver.url("/hook")));
                var heard = receiver.takeRequest(10, TimeUnit.SECONDS);
                assertThat(heard).isNotNull();
                first.kill(); // at once: no later write or checkpoint of the first instance's helps
                webhookId = heard.getHeaders().get("webhook-id");
                assertThat(heard.getBody().utf8()).contains("SUCCEEDED");
            }
            try (var second = TemporaProcess.start(dir, "second", args)) {
                var task = second.api().get("/api/v1/tasks/" + taskId).body();
                assertThat(task.path("state").asString()).as(task.toString()).isEqualTo("SUCCEEDED");
                assertThat(task.path("attempts").asInt()).as(task.toString()).isEqualTo(1);
                assertThat(task.path("result").path("n").asInt()).isEqualTo(7);
                // The attempt's answer may not have reached the file: then the same event is sent
                // again, under the same webhook-id (at-least-once), and never another run's.
                var again = receiver.takeRequest(3, TimeUnit.SECONDS);
                if (again != null) {
                    assertThat(again.getHeaders().get("webhook-id")).isEqualTo(webhookId);
                }
                var deliveries = second.api()
                        .get("/api/v1/tasks/" + taskId + "/deliveries")
                        .body();
                assertThat(deliveries.size()).as(deliveries.toString()).isEqualTo(1);
            }
        }
    }
}
