package dev.tempora.support;

import com.zaxxer.hikari.HikariDataSource;
import java.util.Locale;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.stereotype.Component;

/**
 * Keeps an embedded H2 database open until Tempora has stopped. H2 closes it by default as soon as
 * the JVM begins to stop (a shutdown hook), which is before Tempora has let its running tasks end
 * and recorded their outcomes, answered its long polls and left the node list: with a plain {@code
 * jdbc:h2:file:} URL, a task that ended within the shutdown grace was recorded nowhere, and ran
 * again after the restart, and the polls were answered {@code 503} (found by review). So an embedded
 * H2 URL that does not say otherwise gets {@code ;DB_CLOSE_ON_EXIT=FALSE}, as the default URL has;
 * the pool closes the database when Spring closes it, at the end of the stop.
 */
@Component
final class H2ClosesWithTempora implements BeanPostProcessor {

    private static final Logger log = LoggerFactory.getLogger(H2ClosesWithTempora.class);

    private static final Pattern CLOSE_ON_EXIT =
            Pattern.compile(";\\s*DB_CLOSE_ON_EXIT\\s*=", Pattern.CASE_INSENSITIVE);

    @Override
    public Object postProcessBeforeInitialization(Object bean, String beanName) {
        if (bean instanceof HikariDataSource pool && pool.getJdbcUrl() != null) {
            var url = keptOpenUntilClosed(pool.getJdbcUrl());
            if (!url.equals(pool.getJdbcUrl())) {
                log.info("Added DB_CLOSE_ON_EXIT=FALSE to the H2 URL: the database closes at the end of the stop");
                pool.setJdbcUrl(url);
            }
        }
        return bean;
    }

    /**
     * {@code jdbcUrl} with {@code ;DB_CLOSE_ON_EXIT=FALSE} if it is an embedded H2 database's
     * (a file, or in memory) that does not set it; as it is otherwise (a server's, which decides
     * itself, or another database's).
     */
    static String keptOpenUntilClosed(String jdbcUrl) {
        if (!jdbcUrl.regionMatches(true, 0, "jdbc:h2:", 0, 8)) {
            return jdbcUrl;
        }
        var name = jdbcUrl.substring(8).toLowerCase(Locale.ROOT);
        if (name.startsWith("tcp:")
                || name.startsWith("ssl:")
                || CLOSE_ON_EXIT.matcher(jdbcUrl).find()) {
            return jdbcUrl;
        }
        return jdbcUrl + (jdbcUrl.endsWith(";") ? "" : ";") + "DB_CLOSE_ON_EXIT=FALSE";
    }
}
