package dev.tempora.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreTool;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("h2-only") // H2 files of its own: the same in both runs
class H2CompactionTests {

    @TempDir
    Path dir;

    @Test
    void aFileMostlyOfGarbageIsRewrittenToItsLiveSize() throws Exception {
        var file = database("garbage", 20_000, 19_000);
        long before = Files.size(file);
        assertThat(H2Compaction.livePercent(file)).isLessThan(H2Compaction.BELOW_LIVE_PERCENT);

        assertThat(H2Compaction.compactIfMostlyGarbage(file, 0)).isTrue();

        assertThat(Files.size(file)).isLessThan(before / 4);
        assertThat(H2CrashRecovery.closedCleanly(file)).isTrue();
        assertThat(rows(file)).isEqualTo(1_000);
    }

    /**
     * A power cut right after the rename must find the compacted copy's data under the database's
     * name: the copy is forced to disk before it takes the name, the folder after.
     */
    @Test
    void theCopyIsOnDiskBeforeItTakesTheNameAndTheNameAfter() throws Exception {
        var file = database("forced", 20_000, 19_000);
        long before = Files.size(file);
        var copy = file.resolveSibling(file.getFileName() + ".tempFile");
        var forced = new ArrayList<String>();

        assertThat(H2Compaction.compactIfMostlyGarbage(file, 0, path -> {
                    if (path.equals(copy)) {
                        assertThat(Files.size(file))
                                .as("the original, not yet replaced")
                                .isEqualTo(before);
                        forced.add("copy");
                    } else if (path.equals(dir)) {
                        assertThat(copy).as("renamed already").doesNotExist();
                        forced.add("folder");
                    } else {
                        forced.add(path.toString());
                    }
                }))
                .isTrue();

        assertThat(forced).containsExactly("copy", "folder");
        assertThat(rows(file)).isEqualTo(1_000);
    }

    /** Task payloads and callback URLs stay as private as the file was; a link stays a link. */
    @Test
    void theCompactedFileKeepsItsPermissionsAndItsLink() throws Exception {
        var file = database("private", 20_000, 19_000);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        var link = Files.createSymbolicLink(dir.resolve("link.mv.db"), file);

        assertThat(H2Compaction.compactIfMostlyGarbage(link, 0)).isTrue();

        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(Files.size(file)).isLessThan(1 << 20);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
        assertThat(rows(file)).isEqualTo(1_000);
    }

    /** Two instances started at once on one file: the second leaves the file to the first. */
    @Test
    void aFileAnotherProcessIsCompactingIsLeftToIt() throws Exception {
        var file = database("shared", 20_000, 19_000);
        var bytes = Files.readAllBytes(file);
        var guard = file.resolveSibling(file.getFileName() + ".compacting");

        try (var channel = FileChannel.open(guard, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            var held = channel.lock();
            assertThat(H2Compaction.compactIfMostlyGarbage(file, 0)).isFalse();
            assertThat(Files.readAllBytes(file)).isEqualTo(bytes);
            held.release();
        }

        assertThat(H2Compaction.compactIfMostlyGarbage(file, 0)).isTrue();
        assertThat(guard).doesNotExist();
        assertThat(rows(file)).isEqualTo(1_000);
    }

    @Test
    void aFileMostlyOfLiveDataIsLeftAsItIs() throws Exception {
        var file = database("live", 20_000, 0);
        var bytes = Files.readAllBytes(file);

        assertThat(H2Compaction.compactIfMostlyGarbage(file, 0)).isFalse();

        assertThat(Files.readAllBytes(file)).isEqualTo(bytes);
    }

    @Test
    void aSmallFileIsLeftAsItIs() throws Exception {
        var file = database("small", 20_000, 19_000);
        var bytes = Files.readAllBytes(file);

        assertThat(H2Compaction.compactIfMostlyGarbage(file, H2Compaction.MIN_BYTES))
                .isFalse();

        assertThat(Files.readAllBytes(file)).isEqualTo(bytes);
    }

    /**
     * The H2 defect that {@link H2Compaction} works around (H2 2.5.250 and 2.5.252, not 2.4.240 nor
     * 2.3.232; h2database issue 4387): some pages it replaces stay counted as live, so their chunks
     * are never reused. Rows inserted, updated and deleted one at a time, 3,000 kept, leave hundreds
     * of times their compacted size in chunks, although closing frees every chunk H2 knows to be
     * dead. If this fails, a later H2 reuses those chunks by itself ({@code -Dh2.version=2.4.240}
     * makes it fail).
     */
    @Test
    void h2CountsReplacedPagesAsLiveAndKeepsTheirChunks() throws Exception {
        var url = "jdbc:h2:file:" + dir.resolve("churn") + ";MAX_COMPACT_TIME=0";
        try (var connection = DriverManager.getConnection(url, "sa", "");
                var statement = connection.createStatement()) {
            statement.execute("create table t(id bigint primary key, state varchar(20), payload varchar(300))");
            statement.execute("create index t_state on t(state, id)");
            try (var insert = connection.prepareStatement("insert into t values (?, 'NEW', repeat('x', 200))");
                    var update = connection.prepareStatement("update t set state = 'DONE' where id = ?");
                    var delete = connection.prepareStatement("delete from t where id = ?")) {
                for (long id = 1; id <= 150_000; id++) {
                    insert.setLong(1, id);
                    insert.executeUpdate();
                    update.setLong(1, id - 10);
                    update.executeUpdate();
                    delete.setLong(1, id - 3_000);
                    delete.executeUpdate();
                }
            }
        }
        var file = dir.resolve("churn.mv.db");
        var copy = Files.copy(file, dir.resolve("copy.mv.db"));
        MVStoreTool.compact(copy.toString(), true);

        // Chunks after the close: 44 MB on 2.5.252, 7 MB on 2.4.240; the copy: 72 KB.
        long chunks;
        try (var store =
                new MVStore.Builder().fileName(file.toString()).readOnly().open()) {
            chunks = Files.size(file) * store.getFillRate() / 100;
        }
        assertThat(chunks)
                .as("bytes in chunks after a close, against a compacted copy of %d KB", Files.size(copy) >> 10)
                .isGreaterThan(300 * Files.size(copy));
    }

    /**
     * A database file of {@code rows} rows inserted in small commits, {@code deleted} of them then
     * deleted, closed without H2's own compaction at close.
     */
    private Path database(String name, int rows, int deleted) throws SQLException {
        var url = "jdbc:h2:file:" + dir.resolve(name) + ";MAX_COMPACT_TIME=0;RETENTION_TIME=0";
        try (var connection = DriverManager.getConnection(url, "sa", "");
                var statement = connection.createStatement()) {
            statement.execute("create table t(id int primary key, payload varchar(500))");
            for (int from = 1; from <= rows; from += 500) {
                statement.execute("insert into t select x, repeat('x', 500) from system_range(" + from + ", "
                        + (from + 499) + ")");
                statement.execute("checkpoint");
            }
            for (int id = 1; id <= deleted; id += 500) {
                statement.execute("delete from t where id between " + id + " and " + (id + 499));
                statement.execute("checkpoint");
            }
        }
        return dir.resolve(name + ".mv.db");
    }

    private int rows(Path file) throws SQLException {
        var name = file.toString().replaceFirst("\\.mv\\.db$", "");
        try (var connection = DriverManager.getConnection("jdbc:h2:file:" + name, "sa", "");
                var result = connection.createStatement().executeQuery("select count(*) from t")) {
            result.next();
            return result.getInt(1);
        }
    }
}
