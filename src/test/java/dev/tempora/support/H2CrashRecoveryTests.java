package dev.tempora.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code h2/killed.mv.db} is the database file of a Tempora on H2 right after {@code kill -9}, taken
 * a second after the submission of task {@link #LOST} was answered {@code 201}. The task is in the
 * file, in a chunk written into reused space, which H2's ordinary open does not reach.
 */
class H2CrashRecoveryTests {

    private static final String LOST = "01a24458-25de-7000-8eeb-8fde98d31ebd";

    @TempDir
    Path dir;

    @Test
    void h2AloneOpensTheKilledFileWithoutTheTaskItHadAcknowledged() throws Exception {
        // If a later H2 finds the task itself, this fails: H2CrashRecovery can then go.
        var file = killedFile();
        assertThat(H2CrashRecovery.closedCleanly(file)).isFalse();

        assertThat(count(file, "select count(*) from task where id = '" + LOST + "'"))
                .isZero();
    }

    @Test
    void afterTheRecoveryTheAcknowledgedTaskIsThere() throws Exception {
        var file = killedFile();

        H2CrashRecovery.recoverIfUnclean(file);

        assertThat(H2CrashRecovery.closedCleanly(file)).isTrue();
        assertThat(count(file, "select count(*) from task where id = '" + LOST + "'"))
                .isOne();
        assertThat(count(file, "select count(*) from task")).isEqualTo(5);
    }

    @Test
    void aCleanlyClosedFileIsLeftAsItIs() throws Exception {
        var file = killedFile();
        H2CrashRecovery.recoverIfUnclean(file);
        count(file, "select count(*) from task"); // opened and closed by H2: clean
        var before = Files.readAllBytes(file);
        var modified = Files.getLastModifiedTime(file);

        H2CrashRecovery.recoverIfUnclean(file);

        assertThat(Files.readAllBytes(file)).isEqualTo(before);
        assertThat(Files.getLastModifiedTime(file)).isEqualTo(modified);
    }

    @Test
    void onlyEmbeddedFileUrlsNameAStoreFile() {
        assertThat(H2CrashRecovery.storeFile("jdbc:h2:file:./data/tempora;DB_CLOSE_ON_EXIT=FALSE"))
                .contains(Path.of("./data/tempora.mv.db"));
        assertThat(H2CrashRecovery.storeFile("jdbc:h2:retry:./data/tempora;DB_CLOSE_ON_EXIT=FALSE"))
                .contains(Path.of("./data/tempora.mv.db"));
        assertThat(H2CrashRecovery.storeFile("jdbc:h2:RETRY:file:/var/lib/tempora/db"))
                .contains(Path.of("/var/lib/tempora/db.mv.db"));
        assertThat(H2CrashRecovery.storeFile("jdbc:h2:/var/lib/tempora/db"))
                .contains(Path.of("/var/lib/tempora/db.mv.db"));
        assertThat(H2CrashRecovery.storeFile("jdbc:h2:~/tempora"))
                .contains(Path.of(System.getProperty("user.home") + "/tempora.mv.db"));
        assertThat(H2CrashRecovery.storeFile("jdbc:h2:mem:test;DB_CLOSE_DELAY=-1"))
                .isEmpty();
        assertThat(H2CrashRecovery.storeFile("jdbc:h2:tcp://localhost/~/test")).isEmpty();
        assertThat(H2CrashRecovery.storeFile("jdbc:postgresql://127.0.0.1:5432/test"))
                .isEmpty();
        assertThat(H2CrashRecovery.storeFile(null)).isEmpty();
    }

    @Test
    void aMissingOrUnreadableFileIsLeftToH2() throws Exception {
        H2CrashRecovery.recoverIfUnclean(dir.resolve("absent.mv.db"));
        var garbage = dir.resolve("garbage.mv.db");
        Files.writeString(garbage, "not an H2 file");

        H2CrashRecovery.recoverIfUnclean(garbage);

        assertThat(Files.readString(garbage)).isEqualTo("not an H2 file");
    }

    private Path killedFile() throws Exception {
        var file = dir.resolve("tempora.mv.db");
        try (InputStream fixture = getClass().getResourceAsStream("/h2/killed.mv.db")) {
            Files.copy(fixture, file);
        }
        return file;
    }

    private static long count(Path file, String sql) throws SQLException {
        var name = file.toString().replaceFirst("\\.mv\\.db$", "");
        try (var connection = DriverManager.getConnection("jdbc:h2:file:" + name, "", "");
                var result = connection.createStatement().executeQuery(sql)) {
            result.next();
            return result.getLong(1);
        }
    }
}
