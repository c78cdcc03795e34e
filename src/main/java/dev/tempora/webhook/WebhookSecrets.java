package dev.tempora.webhook;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The signing secrets: the configured one, or one generated once and stored in the database (so
 * it survives restarts and is shared by every instance), plus an optional previous one.
 */
@Component
class WebhookSecrets {

    private static final Logger log = LoggerFactory.getLogger(WebhookSecrets.class);
    private static final String SETTING = "webhook.secret";

    private final String current;
    private final String previous;

    WebhookSecrets(WebhookProperties properties, JdbcClient jdbc) {
        this.current = properties.secret() != null && !properties.secret().isBlank()
                ? properties.secret().strip()
                : storedOrGenerated(jdbc);
        this.previous = properties.previousSecret() == null
                        || properties.previousSecret().isBlank()
                ? null
                : properties.previousSecret().strip();
    }

    String current() {
        return current;
    }

    Optional<String> previous() {
        return Optional.ofNullable(previous);
    }

    private static String storedOrGenerated(JdbcClient jdbc) {
        var stored = read(jdbc);
        if (stored.isPresent()) {
            return stored.get();
        }
        var key = new byte[32];
        new SecureRandom().nextBytes(key);
        var generated = "whsec_" + Base64.getEncoder().encodeToString(key);
        try {
            jdbc.sql("insert into tempora_setting (name, setting_value) values (:name, :value)")
                    .param("name", SETTING)
                    .param("value", generated)
                    .update();
        } catch (DuplicateKeyException anotherInstanceWasFirst) {
            return read(jdbc).orElseThrow();
        }
        log.warn(
                "Generated the webhook signing secret (stored in the database; set tempora.webhooks.secret to choose"
                        + " your own): {}",
                generated);
        return generated;
    }

    private static Optional<String> read(JdbcClient jdbc) {
        return jdbc.sql("select setting_value from tempora_setting where name = :name")
                .param("name", SETTING)
                .query(String.class)
                .optional();
    }
}
