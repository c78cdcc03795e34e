package dev.tempora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

import dev.tempora.dispatch.ClusterProperties;
import dev.tempora.dispatch.DispatchProperties;
import dev.tempora.dispatch.PoolProperties;
import dev.tempora.live.EventProperties;
import dev.tempora.outbound.OutboundProperties;
import dev.tempora.support.ApiProperties;
import dev.tempora.support.DatabaseProperties;
import dev.tempora.task.TaskProperties;
import dev.tempora.webhook.WebhookProperties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A nonsense setting stops the start with Spring Boot's report naming the property, rather than
 * starting anyway or failing later somewhere that names none.
 */
@ExtendWith(OutputCaptureExtension.class)
class ConfigurationValidationTests {

    /** Just the properties, bound and validated as in the application, without the rest of it. */
    @EnableConfigurationProperties({
        ApiProperties.class,
        ClusterProperties.class,
        DatabaseProperties.class,
        DispatchProperties.class,
        EventProperties.class,
        OutboundProperties.class,
        PoolProperties.class,
        TaskProperties.class,
        WebhookProperties.class
    })
    static class Properties {}

    @Test
    void theDefaultsAreValid() {
        start().close();
    }

    /**
     * Spring Boot's report gives the property as its record component ({@code lookAhead}), and as
     * written in the {@code Origin} line, which list elements and map entries have none of.
     */
    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "tempora.dispatch.look-ahead=-PT5S         | Origin: \"tempora.dispatch.look-ahead\"",
                "tempora.dispatch.load-interval=PT0S       | Origin: \"tempora.dispatch.load-interval\"",
                "tempora.dispatch.shutdown-grace=-PT1S     | Origin: \"tempora.dispatch.shutdown-grace\"",
                "tempora.cluster.heartbeat-interval=PT0S   | Origin: \"tempora.cluster.heartbeat-interval\"",
                "tempora.cluster.node-timeout=PT2S         | Origin: \"tempora.cluster.node-timeout\"",
                "tempora.cluster.watch-interval=-PT1S      | Origin: \"tempora.cluster.watch-interval\"",
                "tempora.tasks.cleanup-interval=-PT1M      | Origin: \"tempora.tasks.cleanup-interval\"",
                "tempora.tasks.default-timeout=PT0S        | Origin: \"tempora.tasks.default-timeout\"",
                "tempora.tasks.keep-finished=-PT1H         | Origin: \"tempora.tasks.keep-finished\"",
                "tempora.webhooks.timeout=-PT1S            | Origin: \"tempora.webhooks.timeout\"",
                "tempora.webhooks.load-interval=PT0S       | Origin: \"tempora.webhooks.load-interval\"",
                "tempora.webhooks.max-in-flight=-1         | Origin: \"tempora.webhooks.max-in-flight\"",
                "tempora.webhooks.max-in-flight-per-receiver=0 | Origin: \"tempora.webhooks.max-in-flight-per-receiver\"",
                "tempora.webhooks.retry-schedule=PT5S,PT0S | Property: tempora.webhooks.retrySchedule[1]",
                "tempora.webhooks.jitter=1                 | Origin: \"tempora.webhooks.jitter\"",
                "tempora.webhooks.max-retry-after=PT0.5S   | Origin: \"tempora.webhooks.max-retry-after\"",
                "tempora.webhooks.secret=not-a-secret      | Origin: \"tempora.webhooks.secret\"",
                "tempora.webhooks.secret=whsec_a           | Origin: \"tempora.webhooks.secret\"",
                "tempora.webhooks.previous-secret=whsec_   | Origin: \"tempora.webhooks.previous-secret\"",
                "tempora.events.heartbeat=PT0S             | Origin: \"tempora.events.heartbeat\"",
                "tempora.events.timeout=-PT10M             | Origin: \"tempora.events.timeout\"",
                "tempora.database.socket-timeout=-PT1S     | Origin: \"tempora.database.socket-timeout\"",
                "tempora.api.max-body-size=-1MB            | Origin: \"tempora.api.max-body-size\"",
                "tempora.api.max-body-size=0               | Origin: \"tempora.api.max-body-size\"",
                "tempora.pools.slow.size=0                 | Property: tempora.pools[slow].size",
            })
    void aNonsenseSettingStopsTheStartNamingIt(String setting, String named, CapturedOutput output) {
        assertThatException().isThrownBy(() -> start("--" + setting));

        assertThat(output.getOut() + output.getErr())
                .contains("APPLICATION FAILED TO START")
                .contains("Binding to target")
                .contains(named)
                .contains("Reason: must be ");
    }

    private static ConfigurableApplicationContext start(String... args) {
        return new SpringApplicationBuilder(Properties.class)
                .web(WebApplicationType.NONE)
                .bannerMode(Banner.Mode.OFF)
                .registerShutdownHook(false)
                .run(args);
    }
}
