package dev.tempora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

import dev.tempora.dispatch.ClusterProperties;
import dev.tempora.dispatch.DispatchProperties;
import dev.tempora.dispatch.PoolProperties;
import dev.tempora.live.EventProperties;
import dev.tempora.outbound.OutboundProperties;
import dev.tempora.support.ApiProperties;
import dev.tempora.support.ConfigurationFailureAnalyzer;
import dev.tempora.support.DatabaseFailureAnalyzer;
import dev.tempora.support.DatabaseProperties;
import dev.tempora.task.TaskProperties;
import dev.tempora.webhook.WebhookProperties;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.mock.env.MockEnvironment;

/**
 * A nonsense setting stops the start with a report naming the property, rather than starting anyway
 * or failing later somewhere that names none. No test here uses the suite's database.
 */
@Tag("h2-only") // once per build: the PostgreSQL pass would run the same
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
     * The report names the property as written ({@code look-ahead}; Spring Boot's own gave the record
     * component, {@code lookAhead}, and {@code pools[slow]} for a pool), and keeps a secret's value
     * out of the log.
     */
    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "tempora.dispatch.look-ahead=-PT5S          | tempora.dispatch.look-ahead",
                "tempora.dispatch.load-interval=PT0S        | tempora.dispatch.load-interval",
                "tempora.dispatch.shutdown-grace=-PT1S      | tempora.dispatch.shutdown-grace",
                "tempora.cluster.heartbeat-interval=PT0S    | tempora.cluster.heartbeat-interval",
                "tempora.cluster.node-timeout=PT2S          | tempora.cluster.node-timeout",
                "tempora.cluster.watch-interval=-PT1S       | tempora.cluster.watch-interval",
                "tempora.tasks.cleanup-interval=-PT1M       | tempora.tasks.cleanup-interval",
                "tempora.tasks.default-timeout=PT0S         | tempora.tasks.default-timeout",
                "tempora.tasks.keep-finished=-PT1H          | tempora.tasks.keep-finished",
                "tempora.webhooks.timeout=-PT1S             | tempora.webhooks.timeout",
                "tempora.webhooks.load-interval=PT0S        | tempora.webhooks.load-interval",
                "tempora.webhooks.max-in-flight=-1          | tempora.webhooks.max-in-flight",
                "tempora.webhooks.max-in-flight-per-receiver=0 | tempora.webhooks.max-in-flight-per-receiver",
                "tempora.webhooks.retry-schedule=PT5S,PT0S  | tempora.webhooks.retry-schedule[1]",
                "tempora.webhooks.jitter=1                  | tempora.webhooks.jitter",
                "tempora.webhooks.max-retry-after=PT0.5S    | tempora.webhooks.max-retry-after",
                "tempora.webhooks.secret=not-a-secret       | tempora.webhooks.secret",
                "tempora.webhooks.secret=whsec_a            | tempora.webhooks.secret",
                "tempora.webhooks.previous-secret=whsec_    | tempora.webhooks.previous-secret",
                "tempora.events.heartbeat=PT0S              | tempora.events.heartbeat",
                "tempora.events.timeout=-PT10M              | tempora.events.timeout",
                "tempora.database.socket-timeout=-PT1S      | tempora.database.socket-timeout",
                "tempora.api.max-body-size=-1MB             | tempora.api.max-body-size",
                "tempora.api.max-body-size=0                | tempora.api.max-body-size",
                "tempora.pools.slow.size=0                  | tempora.pools.slow.size",
            })
    void aNonsenseSettingStopsTheStartNamingIt(String setting, String property, CapturedOutput output) {
        assertThatException().isThrownBy(() -> start("--" + setting));

        var report = output.getOut() + output.getErr();
        assertThat(report)
                .contains("APPLICATION FAILED TO START")
                .contains("A configuration value is not valid")
                .contains("Property: " + property + System.lineSeparator())
                .contains("Reason: must be ");
        if (property.endsWith("secret")) {
            assertThat(report)
                    .contains("Value: (not shown: a secret)")
                    .doesNotContain("\"" + setting.split("=", 2)[1] + "\"");
        }
    }

    /**
     * The application's settings are checked before anything touches the database: a bad pool size
     * stopped the start only once Flyway had migrated and a webhook secret had been generated,
     * stored and logged (README audit).
     */
    @Test
    void aNonsenseSettingStopsTheStartBeforeTheDatabaseIsTouched(CapturedOutput output) throws SQLException {
        var url = "jdbc:h2:mem:nonsense-setting;DB_CLOSE_DELAY=-1";
        try (var database = DriverManager.getConnection(url, "sa", "")) {
            assertThatException()
                    .isThrownBy(() -> new SpringApplicationBuilder(TemporaApplication.class)
                            .bannerMode(Banner.Mode.OFF)
                            .registerShutdownHook(false)
                            .run("--server.port=0", "--spring.datasource.url=" + url, "--tempora.pools.slow.size=0"));

            assertThat(output.getOut() + output.getErr())
                    .contains("Property: tempora.pools.slow.size")
                    .doesNotContain("whsec_");
            var tables = database.createStatement()
                    .executeQuery("select count(*) from information_schema.tables where table_schema = 'PUBLIC'");
            tables.next();
            assertThat(tables.getInt(1)).as("tables created").isZero();
        }
    }

    /**
     * A database out of reach is reported as such, its URL without what may hold a password: it was
     * a stack trace of some sixty lines with the cause in its middle (README audit).
     */
    @Test
    void aDatabaseOutOfReachIsReportedWithItsUrl(CapturedOutput output) {
        assertThatException()
                .isThrownBy(() -> new SpringApplicationBuilder(TemporaApplication.class)
                        .bannerMode(Banner.Mode.OFF)
                        .registerShutdownHook(false)
                        .run(
                                "--server.port=0",
                                "--spring.datasource.url=jdbc:postgresql://127.0.0.1:1/tempora?password=hush"));

        assertThat(output.getOut() + output.getErr())
                .contains("APPLICATION FAILED TO START")
                .contains("Tempora could not use its database at jdbc:postgresql://127.0.0.1:1/tempora: Connection to"
                        + " 127.0.0.1:1 refused")
                .doesNotContain("hush");
    }

    /**
     * Only a database out of reach or refusing the login is reported so; any other database error
     * at start (a failing migration) keeps Spring Boot's report, its message and stack trace (review).
     */
    @Test
    void onlyADatabaseOutOfReachOrRefusingTheLoginIsReportedAsSuch() {
        var analyzer = new DatabaseFailureAnalyzer(
                new MockEnvironment().withProperty("spring.datasource.url", "jdbc:postgresql://db/tempora"));
        var refused = new BeanCreationException("flywayInitializer", new SQLException("Connection refused", "08001"));
        assertThat(analyzer.analyze(refused)).isNotNull();
        assertThat(analyzer.analyze(new SQLException("password authentication failed", "28P01")))
                .isNotNull();
        var migration = new BeanCreationException(
                "flywayInitializer", new SQLException("syntax error at or near \"tabel\"", "42601"));
        assertThat(analyzer.analyze(migration)).isNull();
        assertThat(analyzer.analyze(new SQLException("permission denied for table task", "42501")))
                .isNull();
    }

    @Test
    void aPropertyIsNamedAsWrittenItsMapKeysAsTheyWere() {
        assertThat(ConfigurationFailureAnalyzer.propertyName("tempora.dispatch", "maxInMemory"))
                .isEqualTo("tempora.dispatch.max-in-memory");
        assertThat(ConfigurationFailureAnalyzer.propertyName("tempora", "pools[bigJobs].size"))
                .isEqualTo("tempora.pools.bigJobs.size");
        assertThat(ConfigurationFailureAnalyzer.propertyName("tempora.webhooks", "retrySchedule[1]"))
                .isEqualTo("tempora.webhooks.retry-schedule[1]");
    }

    @Test
    void aUrlIsShownWithoutWhatMayHoldAPassword() {
        assertThat(DatabaseFailureAnalyzer.shown("jdbc:h2:retry:./data/tempora;USER=sa;PASSWORD=x"))
                .isEqualTo("jdbc:h2:retry:./data/tempora");
        assertThat(DatabaseFailureAnalyzer.shown("jdbc:postgresql://tempora:x@db:5432/tempora?ssl=true"))
                .isEqualTo("jdbc:postgresql://db:5432/tempora");
        assertThat(DatabaseFailureAnalyzer.shown("jdbc:postgresql://tempora:p@ss@db/tempora"))
                .isEqualTo("jdbc:postgresql://db/tempora");
    }

    private static ConfigurableApplicationContext start(String... args) {
        return new SpringApplicationBuilder(Properties.class)
                .web(WebApplicationType.NONE)
                .bannerMode(Banner.Mode.OFF)
                .registerShutdownHook(false)
                .run(args);
    }
}
