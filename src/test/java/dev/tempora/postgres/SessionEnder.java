package dev.tempora.postgres;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Ends the PostgreSQL sessions of one application name, as an administrator, a failover or an
 * idle-session timeout does ({@code pg_terminate_backend}), from a connection of its own.
 */
final class SessionEnder implements AutoCloseable {

    private final Connection connection;
    private final PreparedStatement end;

    /** Connects to {@code url}; ends the sessions whose {@code application_name} is {@code name}. */
    SessionEnder(String url, String name) throws SQLException {
        connection = DriverManager.getConnection(url);
        end = connection.prepareStatement("select count(pg_terminate_backend(pid))"
                + " from pg_stat_activity where application_name = ? and pid <> pg_backend_pid()");
        end.setString(1, name);
    }

    /** Ends those sessions now: how many. */
    int endAll() throws SQLException {
        try (var result = end.executeQuery()) {
            result.next();
            return result.getInt(1);
        }
    }

    /** The connection it ends them from, for a test's own reads beside. */
    Connection connection() {
        return connection;
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
