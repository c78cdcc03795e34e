package dev.tempora.support;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.h2.mvstore.MVStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rewrites an embedded H2 file that is mostly garbage to its live size, as the service starts,
 * before the pool opens it: what {@code SHUTDOWN COMPACT} does, without asking for it.
 *
 * <p>Under steady load H2 2.5.252 leaves some replaced pages counted as live (they are in no tree
 * any more), so the chunks that hold them are never reused and the file grows for as long as the
 * service runs: about 6 MB a minute at 50 submissions a second. A defect of H2 2.5 (H2 issue 4387;
 * 2.4.240 has none, but has a race Tempora cannot live with). Only a copy of the live data gets rid
 * of such chunks, and H2 copies only when the database is closed with {@code SHUTDOWN COMPACT}. A
 * restart now does it: a 147 MB file holding 4,239 tasks took 141 ms.
 */
final class H2Compaction {

    private static final Logger log = LoggerFactory.getLogger(H2Compaction.class);

    /** Smaller files are left as they are: there is little to gain. */
    static final long MIN_BYTES = 64L << 20;

    /** A file is compacted when less than this share of it (%) is live data. */
    static final int BELOW_LIVE_PERCENT = 25;

    private H2Compaction() {}

    /** Compacts {@code file} if it is at least {@code minBytes} and mostly garbage; whether it did. */
    static boolean compactIfMostlyGarbage(Path file, long minBytes) {
        return compactIfMostlyGarbage(file, minBytes, H2Compaction::sync);
    }

    /** As {@link #compactIfMostlyGarbage(Path, long)}, forcing files and folders to disk with {@code disk}. */
    static boolean compactIfMostlyGarbage(Path file, long minBytes, Disk disk) {
        try {
            if (!Files.isRegularFile(file) || Files.size(file) < minBytes || !H2CrashRecovery.closedCleanly(file)) {
                return false;
            }
            var real = file.toRealPath();
            var guard = real.resolveSibling(real.getFileName() + ".compacting");
            try (var channel = FileChannel.open(guard, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                var lock = tryLock(channel);
                if (lock == null) {
                    log.warn("Another process is compacting {}; left to it", file);
                    return false;
                }
                try {
                    return compactLocked(file, real, disk);
                } finally {
                    lock.release();
                    Files.deleteIfExists(guard);
                }
            }
        } catch (IOException | RuntimeException trouble) {
            // H2 opens it as it is: an encrypted file, one in use, or one it cannot read.
            log.warn("Could not compact {}: {}", file, trouble.toString());
            return false;
        }
    }

    /**
     * Compacts the file if it is mostly garbage, holding the guard: two instances started at once
     * on one file (a mistake H2's own lock catches only once one of them opens it) would otherwise
     * write the same copy at once, and move it into place.
     */
    private static boolean compactLocked(Path file, Path real, Disk disk) throws IOException {
        int live = livePercent(real);
        if (live >= BELOW_LIVE_PERCENT) {
            return false;
        }
        long before = Files.size(real);
        long began = System.nanoTime();
        rewrite(real, disk);
        log.info(
                "Compacted {} ({}% of it was live data): {} MB to {} MB in {} ms",
                file, live, before >> 20, Files.size(real) >> 20, (System.nanoTime() - began) / 1_000_000);
        return true;
    }

    /** The guard's lock; null if another process, or another part of this JVM, holds it. */
    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException heldHere) {
            return null;
        }
    }

    /**
     * Copies the live data of {@code file} (no link) into a new file beside it, which then takes its
     * place with its permissions. The new file has H2's own name for it, which H2 deletes on opening
     * if a crash left it behind.
     *
     * <p>The copy is on disk before it takes the original's name, and the folder (which holds the
     * name) after: a file system may otherwise persist the rename before the copy's data, and a power
     * cut or kernel crash then leaves, under the database's name, a file with every task gone. H2
     * closing the copy does not force it to disk.
     */
    private static void rewrite(Path file, Disk disk) throws IOException {
        var copy = file.resolveSibling(file.getFileName() + ".tempFile");
        MVStore.compact(file.toString(), copy.toString(), true, null);
        try {
            Files.setPosixFilePermissions(copy, Files.getPosixFilePermissions(file));
        } catch (UnsupportedOperationException notPosix) {
            // Windows: the new file gets the folder's access rules, as the old one did.
        }
        disk.force(copy);
        Files.move(copy, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        disk.force(file.getParent());
    }

    /** Forces a file's content, or a folder's entries, to the disk. */
    @FunctionalInterface
    interface Disk {
        void force(Path fileOrFolder) throws IOException;
    }

    /**
     * Forces {@code path} to disk. A folder opens for reading on Linux and macOS; where it does not
     * (Windows), the rename is as durable as the platform makes it.
     */
    private static void sync(Path path) throws IOException {
        try (var channel =
                FileChannel.open(path, Files.isDirectory(path) ? StandardOpenOption.READ : StandardOpenOption.WRITE)) {
            channel.force(true);
        } catch (IOException folderNotOpenable) {
            if (!Files.isDirectory(path)) {
                throw folderNotOpenable;
            }
            log.debug("Could not force folder {} to disk: {}", path, folderNotOpenable.toString());
        }
    }

    /** The share of the file (%) that is live data, as H2 counts it. */
    static int livePercent(Path file) {
        try (var store =
                new MVStore.Builder().fileName(file.toString()).readOnly().open()) {
            return store.getFileStore().getChunksFillRate() * store.getFillRate() / 100;
        }
    }
}
