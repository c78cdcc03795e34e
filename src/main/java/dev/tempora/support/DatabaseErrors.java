package dev.tempora.support;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.TransactionSystemException;

/** Tells an error that means "the database cannot be reached now" from one about the request or a bug. */
public final class DatabaseErrors {

    private DatabaseErrors() {}

    /**
     * Whether {@code error}, or anything that caused it, says the database is out of reach: a lost or
     * refused connection (SQLState class 08, or a session the server ended), a pool that cannot hand one out, or Spring's
     * translations of these. Looking past the error itself matters: a statement that fails on a
     * broken connection is reported as the failure of the rollback that follows it, whose
     * connection the pool has closed by then.
     */
    public static boolean unreachable(Throwable error) {
        int depth = 0;
        for (var cause = error; cause != null && depth < 20; cause = cause.getCause(), depth++) {
            if (cause instanceof DataAccessResourceFailureException
                    || cause instanceof CannotCreateTransactionException
                    || cause instanceof TransientDataAccessException
                    || cause instanceof RecoverableDataAccessException
                    || cause instanceof SQLTransientConnectionException
                    || cause instanceof SQLNonTransientConnectionException
                    || (cause instanceof SQLException sql && lostConnection(sql.getSQLState()))) {
                return true;
            }
            // A rollback that failed (its connection already closed) hides what failed first.
            if (cause instanceof TransactionSystemException rollback
                    && rollback.getApplicationException() != null
                    && unreachable(rollback.getApplicationException())) {
                return true;
            }
        }
        return false;
    }

    /**
     * SQLState class 08 (connection exception), and PostgreSQL's 57P01–57P05: the server ended the
     * session (an administrator's {@code pg_terminate_backend}, a shutdown, a restart, its database
     * dropped, an idle-session timeout), which a client sees as the connection going away,
     * mid-statement or mid-commit.
     */
    private static boolean lostConnection(String state) {
        return state != null && (state.startsWith("08") || state.startsWith("57P0"));
    }
}
