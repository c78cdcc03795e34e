package dev.tempora.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tempora.InterceptedConnections;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.jdbc.BadSqlGrammarException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.TransactionSystemException;

/**
 * A transaction whose work fails, and whose rollback then fails too. When the connection was lost,
 * that is one outage reported twice: Spring's {@code TransactionTemplate} threw the rollback's
 * failure and logged an ERROR with both stack traces, for every transaction under way (dozens in
 * an outage of seconds). The work's failure is now thrown as it came, the rollback's attached.
 */
@ExtendWith(OutputCaptureExtension.class)
class JdbcTransactionsTests {

    @Test
    void workThatFailsOnALostConnectionIsThrownAsItFailedAndLoggedByNobody(CapturedOutput output) {
        var dataSource = failing("select", "08006");
        var transactions = new JdbcTransactions(dataSource);

        assertThatThrownBy(() -> transactions.run(status -> JdbcClient.create(dataSource)
                        .sql("select 1")
                        .query(Integer.class)
                        .single()))
                .isInstanceOf(DataAccessResourceFailureException.class)
                .satisfies(thrown -> assertThat(thrown.getSuppressed())
                        .singleElement()
                        .isInstanceOf(TransactionSystemException.class));
        assertThat(output).doesNotContain("ERROR");
    }

    @Test
    void aRollbackThatFailsWhileTheDatabaseAnswersIsLoggedAsAnError(CapturedOutput output) {
        var dataSource = failing("no such statement", "XX000");
        var transactions = new JdbcTransactions(dataSource);

        assertThatThrownBy(() -> transactions.run(status -> JdbcClient.create(dataSource)
                        .sql("select nothing from nowhere")
                        .query(Integer.class)
                        .list()))
                .isInstanceOf(BadSqlGrammarException.class);
        assertThat(output).contains("ERROR").contains("Rolling back after");
    }

    /** An in-memory H2 whose statements starting with {@code sqlPrefix}, and every rollback, fail with {@code state}. */
    private static DataSource failing(String sqlPrefix, String state) {
        var h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:jdbc-transactions");
        return InterceptedConnections.around(h2, () -> (connection, method, args) -> {
            if (InterceptedConnections.prepares(method, args, sqlPrefix)
                    || method.getName().equals("rollback")) {
                throw new SQLException("The connection failed", state);
            }
            return InterceptedConnections.proceed(connection, method, args);
        });
    }
}
