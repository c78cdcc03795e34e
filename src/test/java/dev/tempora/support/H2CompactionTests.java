package dev.tempora.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
