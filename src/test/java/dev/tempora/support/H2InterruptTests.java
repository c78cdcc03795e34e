package dev.tempora.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.core.io.ClassPathResource;

/**
 * A thread interrupted while H2 reads or writes its file closes the file's channel (a
 * {@code ClosedByInterruptException}), and with it the database for every connection until a
 * restart. Interrupts come from more than this service's code: executors stopped with
 * {@code shutdownNow}, Tomcat stopping its threads, a handler's cancel. The default URL opens the
 * file through H2's {@code retry:} file system, which reopens it instead.
 */
@Tag("h2-only") // H2 databases of its own: the same in both runs
class H2InterruptTests {

    private static final int ROWS = 20_000;

    @TempDir
    Path dir;

    @Test
    void theDefaultDatabaseOutlivesAThreadInterruptedInItsFileIo() throws Exception {
        var url = defaultUrl();
        assertThat(H2CrashRecovery.reopensOnInterrupt(url)).isTrue();

        var outcome = interruptedWhileWriting(
                url.replace("./data/tempora", dir.resolve("tempora").toString()));

        assertThat(outcome.interrupted())
                .as("the interrupted thread's own statements")
                .isNull();
        assertThat(outcome.others()).as("another connection's, after").isNull();
    }

    /** Proves the fixture: without {@code retry:}, the same interrupts close the database. */
    @Test
    void aPlainFileUrlLosesTheDatabaseToTheSameInterrupts() throws Exception {
        var url = "jdbc:h2:file:" + dir.resolve("plain") + ";DB_CLOSE_ON_EXIT=FALSE";
        assertThat(H2CrashRecovery.reopensOnInterrupt(url)).isFalse();

        var outcome = interruptedWhileWriting(url);

        assertThat(outcome.interrupted()).isNotNull();
        assertThat(outcome.others()).isInstanceOf(SQLException.class);
    }

    private static String defaultUrl() throws IOException {
        var properties = new Properties();
        try (var in = new ClassPathResource("application.properties").getInputStream()) {
            properties.load(in);
        }
        return properties.getProperty("spring.datasource.url");
    }

    /** How the database answered the interrupted thread, then another connection; {@code null} for fine. */
    private record Outcome(Throwable interrupted, Throwable others) {}

    /**
     * A table larger than H2's page cache (1 MB here), so that updates read pages from the file,
     * updated from one thread while another interrupts it every few milliseconds.
     */
    private static Outcome interruptedWhileWriting(String url) throws Exception {
        url += ";CACHE_SIZE=1024";
        try (var connection = DriverManager.getConnection(url, "sa", "");
                var statement = connection.createStatement()) {
            statement.execute("create table t (id int primary key, v varchar(600))");
            try (var insert = connection.prepareStatement("insert into t values (?, ?)")) {
                for (int id = 0; id < ROWS; id++) {
                    insert.setInt(1, id);
                    insert.setString(2, "x".repeat(500));
                    insert.addBatch();
                    if (id % 1000 == 999) {
                        insert.executeBatch();
                    }
                }
            }
            statement.execute("checkpoint");

            var failure = new AtomicReference<Throwable>();
            var connectionUrl = url;
            var writer = Thread.ofPlatform().start(() -> {
                try (var own = DriverManager.getConnection(connectionUrl, "sa", "");
                        var update = own.prepareStatement("update t set v = ? where id = ?");
                        var checkpoint = own.createStatement()) {
                    for (int round = 0; round < 4_000 && failure.get() == null; round++) {
                        update.setString(1, "y".repeat(400 + round % 100));
                        update.setInt(2, ThreadLocalRandom.current().nextInt(ROWS));
                        update.executeUpdate();
                        if (round % 100 == 0) {
                            checkpoint.execute("checkpoint");
                        }
                    }
                } catch (SQLException | RuntimeException failed) {
                    failure.set(failed);
                }
            });
            for (int i = 0; i < 200 && writer.isAlive(); i++) {
                Thread.sleep(5);
                writer.interrupt();
            }
            writer.join();
            // While the first connection keeps the database open: with the last one closed, the
            // next would open it afresh.
            Throwable others = null;
            try {
                assertThat(statement.executeUpdate("update t set v = 'after' where id < 1000"))
                        .isEqualTo(1000);
                statement.execute("checkpoint");
            } catch (SQLException failed) {
                others = failed;
            }
            return new Outcome(failure.get(), others);
        } catch (SQLException closing) {
            throw new AssertionError("the fixture could not be set up or closed", closing);
        }
    }
}
