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

    private static final Pattern CLOSE_ON_EXIT = Pattern.compile(";DB_CLOSE_ON_EXIT=", Pattern.CASE_INSENSITIVE);

    /** H2 refuses {@code DB_CLOSE_ON_EXIT=FALSE} beside it. */
    private static final Pattern AUTO_SERVER = Pattern.compile(";AUTO_SERVER=TRUE", Pattern.CASE_INSENSITIVE);

    @Override
    public Object postProcessBeforeInitialization(Object bean, String beanName) {
        if (bean instanceof HikariDataSource pool && pool.getJdbcUrl() != null) {
            // Set as a driver property instead: H2 refuses it twice.
            boolean setApart = pool.getDataSourceProperties().stringPropertyNames().stream()
                    .anyMatch("DB_CLOSE_ON_EXIT"::equalsIgnoreCase);
            var url = setApart ? pool.getJdbcUrl() : keptOpenUntilClosed(pool.getJdbcUrl());
            if (AUTO_SERVER.matcher(url).find() && !CLOSE_ON_EXIT.matcher(url).find() && !setApart) {
                log.warn("The H2 URL sets AUTO_SERVER=TRUE, with which H2 closes the database as the JVM begins to"
                        + " stop: tasks that end during the shutdown grace are not recorded, and run again");
            }
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
     * itself, one with {@code AUTO_SERVER=TRUE}, beside which H2 refuses the setting, or another
     * database's).
     */
    static String keptOpenUntilClosed(String jdbcUrl) {
        if (!jdbcUrl.regionMatches(true, 0, "jdbc:h2:", 0, 8)) {
            return jdbcUrl;
        }
        var name = jdbcUrl.substring(8).toLowerCase(Locale.ROOT);
        if (name.startsWith("tcp:")
                || name.startsWith("ssl:")
                || CLOSE_ON_EXIT.matcher(jdbcUrl).find()
                || AUTO_SERVER.matcher(jdbcUrl).find()) {
            return jdbcUrl;
        }
        return jdbcUrl + (jdbcUrl.endsWith(";") ? "" : ";") + "DB_CLOSE_ON_EXIT=FALSE";
    }
}
