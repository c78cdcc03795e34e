package dev.tempora.task;

import java.sql.DatabaseMetaData;
import java.util.Optional;
import javax.sql.DataSource;
import org.springframework.jdbc.support.JdbcUtils;
import org.springframework.jdbc.support.MetaDataAccessException;
import org.springframework.stereotype.Component;

/** Which database this is (H2 or PostgreSQL), for the few statements that differ between them. */
@Component
class DatabaseProduct {

    private final DataSource dataSource;
    private volatile String name;

    DatabaseProduct(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** The product name as the driver reports it; empty while the database cannot be asked. */
    Optional<String> name() {
        if (name == null) {
            try {
                name = JdbcUtils.extractDatabaseMetaData(dataSource, DatabaseMetaData::getDatabaseProductName);
            } catch (MetaDataAccessException unreachable) {
                return Optional.empty();
            }
        }
        return Optional.of(name);
    }

    /** Whether this is PostgreSQL; false while the database cannot be asked. */
    boolean isPostgres() {
        return name().map("PostgreSQL"::equalsIgnoreCase).orElse(false);
    }
}
