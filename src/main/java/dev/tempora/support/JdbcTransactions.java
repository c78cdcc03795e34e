package dev.tempora.support;

import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.TransactionException;
import org.springframework.transaction.TransactionStatus;
import org.springframework.transaction.support.DefaultTransactionDefinition;
import org.springframework.transaction.support.TransactionCallback;

/**
 * Plain JDBC transactions, for work done only through JDBC (inserting tasks, applying transitions
 * and what their hooks write, leasing and recording webhook attempts, reading deliveries with their
 * attempts): no JPA session is opened, synchronizations still run after the commit, and when the
 * connection is lost the failure is reported as a JDBC one (see {@code DatabaseErrors}). Not a
 * transaction manager bean: the application's own stays the JPA one.
 *
 * <p>Unlike Spring's {@code TransactionTemplate}, work that fails is rethrown as it failed, with a
 * rollback that failed after it attached as suppressed. The template threw the rollback's failure
 * instead, and logged an ERROR with both stack traces ("Application exception overridden by
 * rollback exception") for every transaction under way when a connection was lost: dozens in an
 * outage of a few seconds, on top of the warnings that report it. A rollback that fails while the
 * database is reachable is still logged as an error.
 */
@Component
public class JdbcTransactions {

    private static final Logger log = LoggerFactory.getLogger(JdbcTransactions.class);

    private static final TransactionDefinition SNAPSHOT = snapshotDefinition();

    private final PlatformTransactionManager manager;

    JdbcTransactions(DataSource dataSource) {
        this.manager = new DataSourceTransactionManager(dataSource);
    }

    private static TransactionDefinition snapshotDefinition() {
        var definition = new DefaultTransactionDefinition();
        definition.setIsolationLevel(TransactionDefinition.ISOLATION_REPEATABLE_READ);
        definition.setReadOnly(true);
        return definition;
    }

    /**
     * Runs {@code work} in a transaction and commits it.
     *
     * @throws CommitOutcomeUnknownException when the work was done and the connection was lost at
     *     the commit, which may have taken effect or not
     */
    public void run(Consumer<TransactionStatus> work) {
        inTransaction(TransactionDefinition.withDefaults(), status -> {
            work.accept(status);
            return null;
        });
    }

    /**
     * As {@link #run}, with what {@code work} returns. (Not an implementation of Spring's {@code
     * TransactionOperations}: a bean of that type replaces the {@code TransactionTemplate} Spring
     * Boot provides.)
     */
    public <T> @Nullable T execute(TransactionCallback<T> work) {
        return inTransaction(TransactionDefinition.withDefaults(), work);
    }

    /** What {@code read} reads, in one read-only REPEATABLE READ transaction: one snapshot. */
    public <T> T readSnapshot(Supplier<T> read) {
        return inTransaction(SNAPSHOT, status -> read.get());
    }

    private <T> T inTransaction(TransactionDefinition definition, TransactionCallback<T> work) {
        var status = manager.getTransaction(definition);
        T result;
        try {
            result = work.doInTransaction(status);
        } catch (RuntimeException | Error failed) {
            rollBack(status, failed);
            throw failed;
        }
        try {
            manager.commit(status);
        } catch (TransactionException failed) {
            if (DatabaseErrors.unreachable(failed)) {
                throw new CommitOutcomeUnknownException(failed);
            }
            throw failed;
        }
        return result;
    }

    private void rollBack(TransactionStatus status, Throwable failed) {
        try {
            manager.rollback(status);
        } catch (RuntimeException | Error rollbackFailed) {
            failed.addSuppressed(rollbackFailed);
            if (!DatabaseErrors.unreachable(failed) && !DatabaseErrors.unreachable(rollbackFailed)) {
                log.error("Rolling back after {} failed", failed.toString(), rollbackFailed);
            }
        }
    }
}
