package dev.tempora.support;

import java.sql.SQLException;
import java.sql.SQLInvalidAuthorizationSpecException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.util.regex.Pattern;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.env.Environment;

/**
 * The start-up report of a database Tempora cannot reach or log in to (down, out of reach, refusing
 * the login, an H2 file another process holds): its URL and the database's own words, where a stack
 * trace of some sixty lines buried them (README audit). The instance exits with status 1 as before.
 * Any other database error at start (a migration that fails, a missing privilege) is left to Spring
 * Boot's own report, which keeps its whole message and stack trace.
 */
public class DatabaseFailureAnalyzer implements FailureAnalyzer {

    /** Where a JDBC URL may carry options, a password among them ({@code ?password=}, {@code ;PASSWORD=}). */
    private static final Pattern OPTIONS = Pattern.compile("[?;].*$");

    /** User information in a URL's authority ({@code //user:password@host}), to its last {@code @}. */
    private static final Pattern USER_INFO = Pattern.compile("//[^/]*@");

    private final Environment environment;

    public DatabaseFailureAnalyzer(Environment environment) {
        this.environment = environment;
    }

    @Override
    public FailureAnalysis analyze(Throwable failure) {
        for (var cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql && outOfReach(sql)) {
                return analysis(sql);
            }
        }
        return null;
    }

    /**
     * Whether {@code failure} says the database could not be reached or refused the login: SQL
     * states of class 08 (connection) and 28 (authorization), 3D000 (no such database), or the
     * JDBC exceptions for them (H2 gives its own codes as states).
     */
    static boolean outOfReach(SQLException failure) {
        var state = failure.getSQLState();
        return failure instanceof SQLNonTransientConnectionException
                || failure instanceof SQLTransientConnectionException
                || failure instanceof SQLInvalidAuthorizationSpecException
                || (state != null && (state.startsWith("08") || state.startsWith("28") || state.equals("3D000")));
    }

    private FailureAnalysis analysis(SQLException cause) {
        var url = environment.getProperty("spring.datasource.url", "(none)");
        var state = cause.getSQLState() == null ? "" : " (SQL state " + cause.getSQLState() + ")";
        return new FailureAnalysis(
                "Tempora could not use its database at %s: %s%s".formatted(shown(url), cause.getMessage(), state),
                "Check that the database is running and reachable from here, and spring.datasource.url, username"
                        + " and password (README, \"Configuration\"). Without its database an instance does not start.",
                cause);
    }

    /** {@code url} without what may hold a password: its options and any user information. */
    public static String shown(String url) {
        return USER_INFO.matcher(OPTIONS.matcher(url).replaceAll("")).replaceAll("//");
    }
}
