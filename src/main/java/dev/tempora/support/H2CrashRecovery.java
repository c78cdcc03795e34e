package dev.tempora.support;

import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.h2.mvstore.MVStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.stereotype.Component;

/**
 * Brings back what H2 wrote before its process was killed. H2 2.5 opens a file that was not closed
 * cleanly at the version its file header names, plus the chunks it can reach from there; a chunk
 * written since into space the store reused is not reachable that way, and is dropped. Tasks whose
 * submission had been answered {@code 201} after a {@code CHECKPOINT} were gone after {@code kill
 * -9} in 11 of 55 restarts on a 2-core machine, though their chunk was whole in the file. H2's
 * recovery mode scans the whole file and opens the newest complete version instead. So before the
 * pool opens an H2 file whose header does not say it was closed cleanly, this opens it once in
 * recovery mode and closes it, which writes a header naming that version.
 *
 * <p>Then it compacts the file if it is mostly garbage ({@link H2Compaction}).
 */
@Component
final class H2CrashRecovery implements BeanPostProcessor {

    private static final Logger log = LoggerFactory.getLogger(H2CrashRecovery.class);

    /** H2's file header is written twice, in the first two blocks of this size. */
    private static final int HEADER_BLOCK = 4096;

    /** H2's file system that reopens a file closed by an interrupt ({@link #reopensOnInterrupt}). */
    private static final String RETRY = "retry:";

    @Override
    public Object postProcessBeforeInitialization(Object bean, String beanName) {
        if (bean instanceof HikariDataSource pool) {
            storeFile(pool.getJdbcUrl()).ifPresent(file -> {
                if (!reopensOnInterrupt(pool.getJdbcUrl())) {
                    log.warn(
                            "{} is opened without H2's retry: file system: a thread interrupted in a read of"
                                    + " the file closes the database until a restart. Write the URL as jdbc:h2:retry:…",
                            file);
                }
                recoverIfUnclean(file);
                H2Compaction.compactIfMostlyGarbage(file, H2Compaction.MIN_BYTES);
            });
        }
        return bean;
    }

    /**
     * The MVStore file behind an embedded H2 URL ({@code jdbc:h2:retry:./data/tempora;…},
     * {@code jdbc:h2:file:./data/tempora} or {@code jdbc:h2:./data/tempora}); empty for any other URL
     * (in-memory, a server, another database).
     */
    static Optional<Path> storeFile(String jdbcUrl) {
        if (jdbcUrl == null || !jdbcUrl.regionMatches(true, 0, "jdbc:h2:", 0, 8)) {
            return Optional.empty();
        }
        var name = jdbcUrl.substring(8);
        int options = name.indexOf(';');
        if (options >= 0) {
            name = name.substring(0, options);
        }
        if (reopensOnInterrupt(jdbcUrl)) {
            name = name.substring(RETRY.length());
        }
        var lower = name.toLowerCase(Locale.ROOT);
        if (lower.startsWith("file:")) {
            name = name.substring(5);
        } else if (lower.matches("^[a-z]{2,}:.*")) {
            return Optional.empty(); // mem:, tcp:, ssl:, zip:, nio…: not a plain file here
        }
        if (name.startsWith("~")) {
            name = System.getProperty("user.home") + name.substring(1);
        }
        return name.isBlank() ? Optional.empty() : Optional.of(Path.of(name + ".mv.db"));
    }

    /**
     * Whether the URL opens its file through H2's {@code retry:} file system, which reopens a file
     * whose channel was closed by an interrupt. Without it, a thread interrupted in a read or write
     * of the file (a worker at the end of the shutdown grace, an executor's {@code shutdownNow},
     * Tomcat stopping its threads) closes the channel, and H2 the database, for every connection.
     */
    static boolean reopensOnInterrupt(String jdbcUrl) {
        return jdbcUrl.regionMatches(true, 8, RETRY, 0, RETRY.length());
    }

    static void recoverIfUnclean(Path file) {
        try {
            if (!Files.isRegularFile(file)) {
                return;
            }
            var headers = headers(file);
            // Anything that does not start as an H2 store does is left for H2 to judge.
            if (!headers.getFirst().startsWith("H:2,") || cleanClose(headers)) {
                return;
            }
            long began = System.nanoTime();
            var store = new MVStore.Builder()
                    .fileName(file.toString())
                    .recoveryMode()
                    .open();
            long version = store.getCurrentVersion();
            store.close();
            log.warn(
                    "{} was not closed cleanly; opened it with a full scan, at version {}, in {} ms",
                    file,
                    version,
                    (System.nanoTime() - began) / 1_000_000);
        } catch (IOException | RuntimeException trouble) {
            // H2 itself decides next: an encrypted file, one in use, or one it cannot read.
            log.warn("Could not check {} for a crash: {}", file, trouble.toString());
        }
    }

    /** Whether both copies of the file header carry H2's mark of a clean close. */
    static boolean closedCleanly(Path file) throws IOException {
        return cleanClose(headers(file));
    }

    private static boolean cleanClose(List<String> headers) {
        return headers.stream().allMatch(header -> header.contains(",clean:1"));
    }

    /** The first lines of the file's two header blocks. */
    private static List<String> headers(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            var headers = new ArrayList<String>(2);
            for (int copy = 0; copy < 2; copy++) {
                var block = new String(in.readNBytes(HEADER_BLOCK), StandardCharsets.ISO_8859_1);
                int end = block.indexOf('\n');
                headers.add(end < 0 ? block : block.substring(0, end));
            }
            return headers;
        }
    }
}
