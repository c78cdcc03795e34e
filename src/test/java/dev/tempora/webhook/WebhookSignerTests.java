package dev.tempora.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookVerificationException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Signatures during a secret rotation: both are sent, and a receiver with either secret accepts. */
class WebhookSignerTests {

    static final String NEW = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    static final String OLD = "whsec_QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=";

    @Test
    void rotationSendsBothSignaturesAndEitherSecretVerifies() throws Exception {
        var properties = new WebhookProperties(
                NEW, OLD, Duration.ofSeconds(10), List.of(), 0, Duration.ofHours(1), 1, 1, Duration.ofSeconds(5));
        var signer = new WebhookSigner(new WebhookSecrets(properties, (JdbcClient) null));
        long now = Instant.now().getEpochSecond();
        var body = "{\"type\":\"task.succeeded\"}";
        var headers = signer.headers("msg_1", now, body);
        assertThat(headers.get("webhook-signature").split(" ")).hasSize(2).allMatch(s -> s.startsWith("v1,"));
        var asHeaders = Map.of(
                "webhook-id", List.of("msg_1"),
                "webhook-timestamp", List.of(Long.toString(now)),
                "webhook-signature", List.of(headers.get("webhook-signature")));
        new Webhook(NEW).verify(body, asHeaders);
        new Webhook(OLD).verify(body, asHeaders);
        assertThatThrownBy(() -> new Webhook("whsec_" + "c2VjcmV0LXRoYXQtaXMtbm90LXVzZWQ=").verify(body, asHeaders))
                .isInstanceOf(WebhookVerificationException.class);
    }
}
