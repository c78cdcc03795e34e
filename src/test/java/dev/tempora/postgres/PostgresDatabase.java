package dev.tempora.postgres;

import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The PostgreSQL that tests use: a Testcontainers container where a Docker engine is available,
 * otherwise the server named by {@code TEMPORA_TEST_POSTGRES_URL} (a JDBC URL with user and
 * password, e.g. {@code jdbc:postgresql://127.0.0.1:5432/test?user=postgres}). Each caller gets
 * a fresh schema, so test contexts and processes never see each other's tasks.
 */
public final class PostgresDatabase {

    public static final String ENV = "TEMPORA_TEST_POSTGRES_URL";

    private static volatile Optional<String> server;
    private static PostgreSQLContainer container;

    private PostgresDatabase() {}

    /** Whether the tests run against PostgreSQL in this JVM (the {@code postgres-tests} execution). */
    public static boolean selected() {
        return "postgres".equals(System.getProperty("tempora.test.db"));
    }

    /** Why there is no PostgreSQL to test with, or empty when there is one. */
    public static Optional<String> unavailable() {
        return server().isPresent()
                ? Optional.empty()
                : Optional.of(
                        "PostgreSQL tests skipped: no Docker engine for Testcontainers and " + ENV + " is not set");
    }

    /** A JDBC URL of a new, empty schema (Flyway fills it). */
    public static String newSchema() {
        var base = server().orElseThrow(
                        () -> new IllegalStateException(unavailable().orElseThrow()));
        var schema =
                "tempora_test_" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
        execute(base, "create schema " + schema);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                execute(base, "drop schema " + schema + " cascade");
            } catch (RuntimeException leftBehind) {
                // a later run may drop it; nothing depends on it
            }
        }));
        return base + (base.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    }

    private static void execute(String url, String sql) {
        try (var connection = DriverManager.getConnection(url);
                var statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + " failed on " + url, e);
        }
    }

    private static Optional<String> server() {
        if (server == null) {
            synchronized (PostgresDatabase.class) {
                if (server == null) {
                    server = find();
                }
            }
        }
        return server;
    }

    private static Optional<String> find() {
        if (dockerAvailable()) {
            container = new PostgreSQLContainer("postgres:16-alpine");
            container.start();
            return Optional.of(container.getJdbcUrl() + "&user=" + container.getUsername() + "&password="
                    + container.getPassword());
        }
        var url = System.getenv(ENV);
        return url == null || url.isBlank() ? Optional.empty() : Optional.of(url.strip());
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError noDocker) {
            return false;
        }
    }
}
