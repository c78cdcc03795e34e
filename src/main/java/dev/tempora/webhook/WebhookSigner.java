package dev.tempora.webhook;

import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.EmptyWebhookSecretException;
import com.standardwebhooks.exceptions.WebhookSigningException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * Signs deliveries per Standard Webhooks: {@code webhook-signature} is {@code v1,} +
 * base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")), one per secret (space-separated) while a
 * previous secret is configured.
 */
@Component
class WebhookSigner {

    private final List<Webhook> keys = new ArrayList<>();

    WebhookSigner(WebhookSecrets secrets) {
        try {
            keys.add(new Webhook(secrets.current()));
            if (secrets.previous().isPresent()) {
                keys.add(new Webhook(secrets.previous().get()));
            }
        } catch (EmptyWebhookSecretException | IllegalArgumentException invalid) {
            throw new IllegalStateException("tempora.webhooks.secret must be whsec_ followed by base64", invalid);
        }
    }

    /** The three headers for one attempt. */
    Map<String, String> headers(String id, long timestampSeconds, String body) {
        var signatures = new ArrayList<String>();
        for (var key : keys) {
            try {
                signatures.add(key.sign(id, timestampSeconds, body));
            } catch (WebhookSigningException impossible) {
                throw new IllegalStateException("HMAC-SHA256 is unavailable", impossible);
            }
        }
        var headers = new LinkedHashMap<String, String>();
        headers.put("webhook-id", id);
        headers.put("webhook-timestamp", Long.toString(timestampSeconds));
        headers.put("webhook-signature", String.join(" ", signatures));
        return headers;
    }
}
