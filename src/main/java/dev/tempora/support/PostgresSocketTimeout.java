package dev.tempora.support;

import com.zaxxer.hikari.HikariDataSource;
import java.time.Duration;
import java.util.Locale;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Bounds how long a PostgreSQL connection waits for the server's answer. PostgreSQL's driver waits
 * forever by default; so when the database's host vanishes mid-statement (it crashes, it fails over
 * to another address, a network path drops packets rather than refusing them), nothing ever
 * arrives on the connections that were in use: no reset, no end of stream. The threads using them
 * (a request, a readiness probe, the cluster watcher, a group commit) then waited forever, and
 * their connections stayed taken from the pool: after the database was back, a few such outages
 * left the pool empty and every request a {@code 503}. With {@code socketTimeout}, such a read
 * fails after {@code tempora.database.socket-timeout} (default 1 minute, well beyond any statement
 * Tempora makes), which counts as the database being away: the connection is dropped and the work
 * retried as for any outage.
 *
 * <p>A {@code socketTimeout} the URL or {@code spring.datasource.hikari.data-source-properties}
 * already sets is kept ({@code 0}: wait forever, the driver's default).
 */
@Component
final class PostgresSocketTimeout implements BeanPostProcessor {

    static final String PROPERTY = "tempora.database.socket-timeout";
    static final Duration DEFAULT = Duration.ofMinutes(1);

    private final Environment environment;

    PostgresSocketTimeout(Environment environment) {
        this.environment = environment;
    }

    @Override
    public Object postProcessBeforeInitialization(Object bean, String beanName) {
        if (bean instanceof HikariDataSource pool && isPostgres(pool.getJdbcUrl()) && !setAlready(pool)) {
            var timeout = environment.getProperty(PROPERTY, Duration.class, DEFAULT);
            if (timeout.isNegative()) {
                throw new IllegalArgumentException(PROPERTY + " must be 0 (no timeout) or more, not " + timeout);
            }
            pool.addDataSourceProperty("socketTimeout", Long.toString(seconds(timeout)));
        }
        return bean;
    }

    /** The driver counts whole seconds: a timeout is rounded up to the next one (0 stays 0, none). */
    static long seconds(Duration timeout) {
        long whole = timeout.toSeconds();
        return timeout.equals(Duration.ofSeconds(whole)) ? whole : whole + 1;
    }

    private static boolean isPostgres(String jdbcUrl) {
        return jdbcUrl != null && jdbcUrl.regionMatches(true, 0, "jdbc:postgresql:", 0, 16);
    }

    private static boolean setAlready(HikariDataSource pool) {
        return pool.getJdbcUrl().toLowerCase(Locale.ROOT).contains("sockettimeout=")
                || pool.getDataSourceProperties().keySet().stream()
                        .anyMatch(key -> key.toString().equalsIgnoreCase("socketTimeout"));
    }
}
