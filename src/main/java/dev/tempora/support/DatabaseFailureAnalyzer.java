package dev.tempora.support;

import java.sql.SQLException;
import java.util.regex.Pattern;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.env.Environment;

/**
 * The start-up report of a database Tempora cannot use (down, unreachable, refusing the login, an
 * H2 file another process holds): its URL and the database's own words, where a stack trace of
 * some sixty lines buried them (README audit). The instance exits with status 1 as before.
 */
public class DatabaseFailureAnalyzer extends AbstractFailureAnalyzer<SQLException> {

    /** Where a JDBC URL may carry options, a password among them ({@code ?password=}, {@code ;PASSWORD=}). */
    private static final Pattern OPTIONS = Pattern.compile("[?;].*$");

    /** User information in a URL's authority ({@code //user:password@host}). */
    private static final Pattern USER_INFO = Pattern.compile("//[^/@]*@");

    private final Environment environment;

    public DatabaseFailureAnalyzer(Environment environment) {
        this.environment = environment;
    }

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, SQLException cause) {
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
