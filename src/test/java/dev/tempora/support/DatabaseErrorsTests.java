package dev.tempora.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.transaction.TransactionSystemException;

class DatabaseErrorsTests {

    @Test
    void aLostConnectionIsUnreachableEvenWhenReportedAsAFailedRollback() {
        var rollback = new TransactionSystemException("Could not roll back JDBC transaction");
        rollback.initCause(new SQLException("An I/O error occurred while sending to the backend.", "08006"));

        assertThat(DatabaseErrors.unreachable(rollback)).isTrue();
    }

    @Test
    void aLostConnectionHiddenBehindTheRollbackOnAClosedConnectionIsUnreachable() {
        var rollback = new TransactionSystemException("Could not roll back JPA transaction");
        rollback.initCause(new SQLException("Connection is closed"));
        rollback.initApplicationException(new DataAccessResourceFailureException(
                "insert failed", new SQLException("An I/O error occurred while sending to the backend.", "08006")));

        assertThat(DatabaseErrors.unreachable(rollback)).isTrue();
    }

    @Test
    void aSessionThePostgresServerEndedIsUnreachable() {
        var commit = new TransactionSystemException("Could not commit JDBC transaction");
        commit.initCause(new SQLException("FATAL: terminating connection due to administrator command", "57P01"));

        assertThat(DatabaseErrors.unreachable(commit)).isTrue();
    }

    @Test
    void aFaultOfTheStatementOrABugIsNot() {
        var constraint = new DataIntegrityViolationException(
                "duplicate key", new SQLException("duplicate key value violates unique constraint", "23505"));

        assertThat(DatabaseErrors.unreachable(constraint)).isFalse();
        assertThat(DatabaseErrors.unreachable(new IllegalStateException("bug"))).isFalse();
        assertThat(DatabaseErrors.unreachable(new TransactionSystemException("commit failed")))
                .isFalse();
    }
}
