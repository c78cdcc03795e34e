package dev.tempora.bench.peer;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.List;

/**
 * Where the engines store their tasks: every engine gets its own H2 file (with Tempora's settings)
 * or its own fresh PostgreSQL schema, so no engine reads another's rows or indexes.
 */
abstract sealed class BenchDatabase {

    /** Connections per engine: Tempora's shipped Hikari pool size, given to every engine alike. */
    static final int POOL_SIZE = 16;

    abstract String name();

    abstract boolean isPostgres();

    /** A JDBC URL for {@code engine}'s own, empty store (dropped and created again for PostgreSQL). */
    abstract String prepare(String engine) throws SQLException;

    /** Removes every engine's store after the run: a million-row backlog is not worth keeping. */
    abstract void dispose(List<String> engines) throws IOException, SQLException;

    /** A pooled data source on {@code url}, the same size for every engine. */
    static HikariDataSource pool(String url, String engine) {
        var config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(POOL_SIZE);
        config.setPoolName("bench-" + engine);
        return new HikariDataSource(config);
    }

    static BenchDatabase h2() throws IOException {
        return new H2(Files.createTempDirectory("tempora-peer-bench"));
    }

    static BenchDatabase postgres(String url) {
        return new Postgres(url);
    }

    /** H2 files as Tempora ships them (H2's default write delay; Tempora checkpoints what it acknowledges). */
    static final class H2 extends BenchDatabase {
        private final Path dir;

        H2(Path dir) {
            this.dir = dir;
        }

        @Override
        String name() {
            return "H2";
        }

        @Override
        boolean isPostgres() {
            return false;
        }

        @Override
        String prepare(String engine) {
            // Tempora's as it ships (application.properties); the peers' as their documentation shows.
            var fileSystem = engine.equals("tempora") ? "retry:" : "file:";
            return "jdbc:h2:" + fileSystem + dir.resolve(engine).toAbsolutePath() + ";DB_CLOSE_ON_EXIT=FALSE";
        }

        @Override
        void dispose(List<String> engines) throws IOException {
            try (var files = Files.walk(dir)) {
                for (var file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    /** The local PostgreSQL; each engine in schema {@code bench_<engine>}, recreated per run. */
    static final class Postgres extends BenchDatabase {
        private final String url;

        Postgres(String url) {
            this.url = url;
        }

        @Override
        String name() {
            return "PostgreSQL";
        }

        @Override
        boolean isPostgres() {
            return true;
        }

        @Override
        void dispose(List<String> engines) throws SQLException {
            try (var connection = DriverManager.getConnection(url);
                    var statement = connection.createStatement()) {
                for (var engine : engines) {
                    statement.execute("drop schema if exists " + schema(engine) + " cascade");
                }
            }
        }

        private static String schema(String engine) {
            return "bench_" + engine.replaceAll("[^a-z0-9]", "");
        }

        @Override
        String prepare(String engine) throws SQLException {
            var schema = schema(engine);
            try (var connection = DriverManager.getConnection(url);
                    var statement = connection.createStatement()) {
                statement.execute("drop schema if exists " + schema + " cascade");
                statement.execute("create schema " + schema);
            }
            return url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema;
        }

        /** Whether the server answers at all: the benchmark and its test skip PostgreSQL if not. */
        static boolean reachable(String url) {
            try (var connection = DriverManager.getConnection(url)) {
                return connection.isValid(2);
            } catch (SQLException unreachable) {
                return false;
            }
        }
    }
}
