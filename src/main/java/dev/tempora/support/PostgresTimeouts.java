package dev.tempora.support;

import com.zaxxer.hikari.HikariDataSource;
import java.time.Duration;
import java.util.Locale;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.stereotype.Component;

/**
 * Bounds how long either end of a PostgreSQL connection waits for the other, which neither does by
 * default, to {@code tempora.database.socket-timeout} (default 1 minute, well beyond any statement
 * or transaction Tempora makes):
 *
 * <ul>
 *   <li><b>The driver's {@code socketTimeout}.</b> When the database's host vanishes mid-statement
 *       (it crashes, it fails over to another address, a network path drops packets rather than
 *       refusing them), nothing ever arrives on the connections in use: no reset, no end of
 *       stream. The threads using them (a request, a readiness probe, the cluster watcher, a group
 *       commit) waited forever, and their connections stayed taken from the pool: after the
 *       database was back, a few such outages left the pool empty and every request a {@code 503}.
 *       Now such a read fails, which counts as the database being away: the connection is dropped
 *       and the work retried as for any outage.
 *   <li><b>The server's {@code idle_in_transaction_session_timeout}.</b> When only the
 *       application's side of a connection is reset (a NAT, a firewall or a load balancer between
 *       them), the server never learns: the session stays idle in its transaction, holding the
 *       locks of what it had written. Tempora, told the connection was lost, writes the same rows
 *       again on another, and waited on those locks forever: finished tasks stayed RUNNING until
 *       someone ended the session by hand. Now the server ends it, its transaction rolled back.
 * </ul>
 *
 * <p>A {@code socketTimeout} the URL or {@code spring.datasource.hikari.data-source-properties}
 * already sets is kept ({@code 0}: wait forever). Options set in the URL are left as they are;
 * {@code options} among the data-source properties get the server's timeout added, unless they
 * set it.
 */
@Component
final class PostgresTimeouts implements BeanPostProcessor {

    private static final String IDLE_IN_TRANSACTION = "idle_in_transaction_session_timeout";

    /** Not before the pool is made: a post-processor's dependencies would skip the other post-processors. */
    private final ObjectProvider<DatabaseProperties> properties;

    PostgresTimeouts(ObjectProvider<DatabaseProperties> properties) {
        this.properties = properties;
    }

    @Override
    public Object postProcessBeforeInitialization(Object bean, String beanName) {
        if (!(bean instanceof HikariDataSource pool) || !isPostgres(pool.getJdbcUrl())) {
            return bean;
        }
        var timeout = properties.getObject().socketTimeout();
        if (!setAlready(pool, "socketTimeout")) {
            pool.addDataSourceProperty("socketTimeout", Long.toString(seconds(timeout)));
        }
        // Options in the URL are the user's whole say: the driver would read one of the two.
        var options = pool.getDataSourceProperties().getProperty("options");
        if (!pool.getJdbcUrl().toLowerCase(Locale.ROOT).contains("options=")
                && (options == null || !options.toLowerCase(Locale.ROOT).contains(IDLE_IN_TRANSACTION))) {
            var setting = "-c " + IDLE_IN_TRANSACTION + "=" + millis(timeout);
            pool.addDataSourceProperty("options", options == null ? setting : options + " " + setting);
        }
        return bean;
    }

    /**
     * The driver counts whole seconds: a timeout is rounded up to the next one (0 stays 0, none), and
     * held to the most an {@code int} takes.
     */
    static long seconds(Duration timeout) {
        long whole = Math.min(timeout.toSeconds(), Integer.MAX_VALUE);
        return whole == Integer.MAX_VALUE || timeout.equals(Duration.ofSeconds(whole)) ? whole : whole + 1;
    }

    /** The server's setting, in milliseconds: at most an {@code int}'s worth (about 24 days), or it refuses the session. */
    static long millis(Duration timeout) {
        return Math.min(timeout.toMillis(), Integer.MAX_VALUE);
    }

    private static boolean isPostgres(String jdbcUrl) {
        return jdbcUrl != null && jdbcUrl.regionMatches(true, 0, "jdbc:postgresql:", 0, 16);
    }

    private static boolean setAlready(HikariDataSource pool, String property) {
        return pool.getJdbcUrl().toLowerCase(Locale.ROOT).contains(property.toLowerCase(Locale.ROOT) + "=")
                || pool.getDataSourceProperties().keySet().stream()
                        .anyMatch(key -> key.toString().equalsIgnoreCase(property));
    }
}
