package dev.tempora.task;

import java.util.function.Consumer;
import javax.sql.DataSource;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionStatus;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Plain JDBC transactions, for work done only through JDBC (inserting tasks, applying transitions
 * no hook reads): no JPA session is opened, and when the connection is lost the failure is reported
 * as a JDBC one (see {@code DatabaseErrors}). Not a transaction manager bean: the application's own
 * stays the JPA one.
 */
@Component
class JdbcTransactions {

    private final TransactionTemplate template;

    JdbcTransactions(DataSource dataSource) {
        this.template = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
    }

    void run(Consumer<TransactionStatus> work) {
        template.executeWithoutResult(work);
    }
}
