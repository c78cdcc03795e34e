package dev.tempora.support;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.TransactionException;
import org.springframework.transaction.TransactionStatus;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Plain JDBC transactions, for work done only through JDBC (inserting tasks, applying transitions
 * and what their hooks write, reading deliveries with their attempts): no JPA session is opened,
 * synchronizations still run after the commit, and when the connection is lost the failure is
 * reported as a JDBC one (see {@code DatabaseErrors}). Not a transaction manager bean: the
 * application's own stays the JPA one.
 */
@Component
public class JdbcTransactions {

    private final TransactionTemplate template;
    private final TransactionTemplate snapshot;

    JdbcTransactions(DataSource dataSource) {
        var manager = new DataSourceTransactionManager(dataSource);
        this.template = new TransactionTemplate(manager);
        this.snapshot = new TransactionTemplate(manager);
        snapshot.setIsolationLevel(TransactionDefinition.ISOLATION_REPEATABLE_READ);
        snapshot.setReadOnly(true);
    }

    /**
     * Runs {@code work} in a transaction and commits it.
     *
     * @throws CommitOutcomeUnknownException when the work was done and the connection was lost at
     *     the commit, which may have taken effect or not
     */
    public void run(Consumer<TransactionStatus> work) {
        var workDone = new AtomicBoolean();
        try {
            template.executeWithoutResult(status -> {
                work.accept(status);
                workDone.set(true);
            });
        } catch (TransactionException failed) {
            if (workDone.get() && DatabaseErrors.unreachable(failed)) {
                throw new CommitOutcomeUnknownException(failed);
            }
            throw failed;
        }
    }

    /** What {@code read} reads, in one read-only REPEATABLE READ transaction: one snapshot. */
    public <T> T readSnapshot(Supplier<T> read) {
        return snapshot.execute(status -> read.get());
    }
}
