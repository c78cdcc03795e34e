package dev.tempora.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.standardwebhooks.Webhook;
import dev.tempora.TemporaProcess;
import java.net.InetAddress;
import java.nio.file.Path;
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
            "--spring.datasource.url=jdbc:h2:file:" + dir.resolve("data/tempora") + ";DB_CLOSE_ON_EXIT=FALSE",
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
}
