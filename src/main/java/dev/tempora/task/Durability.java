package dev.tempora.task;

import dev.tempora.support.GroupCommit;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Makes what a client was told is done (a submission answered 201, a cancel answered 200) reach
 * the database file before the answer. PostgreSQL does so at every commit. H2 writes commits to
 * its file in the background (within its write delay), and writing every commit at once
 * ({@code WRITE_DELAY=0}) fails under load (an H2 defect); so on H2 this forces a
 * {@code CHECKPOINT} after those commits only, and the dispatcher's many claims and outcomes
 * reach the file in the background: a crash loses at most their last fraction of a second, which
 * only makes those runs happen again.
 */
@Component
public class Durability implements DisposableBean {

    private static final int MAX_WAITERS = 10_000;

    private final JdbcClient jdbc;
    private final DatabaseProduct database;

    /**
     * One checkpoint at a time, each serving every caller that asked before it began: many
     * concurrent checkpoints made H2 fail with {@code MVStoreException: Position 0} under
     * concurrent HTTP submits, and one per caller is wasted work anyway.
     */
    private final GroupCommit<CompletableFuture<Void>> checkpoints =
            new GroupCommit<>("tempora-checkpoints", MAX_WAITERS, this::checkpoint);

    Durability(JdbcClient jdbc, DatabaseProduct database) {
        this.jdbc = jdbc;
        this.database = database;
        checkpoints.start();
    }

    /** Returns once every commit made so far is in the database file. */
    public void flush() {
        try {
            flushSoon().join();
        } catch (CompletionException failed) {
            if (failed.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw failed;
        }
    }

    /**
     * Completes once every commit made so far is in the database file, without holding the caller:
     * for a thread that has other commits to make meanwhile (a checkpoint under load takes
     * milliseconds, and holds H2's other commits while it writes).
     */
    public CompletableFuture<Void> flushSoon() {
        if (!isH2()) {
            return CompletableFuture.completedFuture(null);
        }
        var flushed = new CompletableFuture<Void>();
        checkpoints.add(flushed);
        return flushed;
    }

    @Override
    public void destroy() throws InterruptedException {
        checkpoints.stop();
    }

    /** Serialised also for the callers that write it themselves once the thread has stopped. */
    private synchronized void checkpoint(List<CompletableFuture<Void>> waiters) {
        try {
            jdbc.sql("CHECKPOINT").update();
            waiters.forEach(waiter -> waiter.complete(null));
        } catch (RuntimeException | Error failed) {
            // An Error too: the group commit's thread survives it, and the waiters would not.
            waiters.forEach(waiter -> waiter.completeExceptionally(failed));
        }
    }

    /**
     * Lets the current transaction commit without waiting for the disk, where the database allows
     * it (PostgreSQL's {@code synchronous_commit = off}, for this transaction only). Its changes are
     * visible and locked exactly as usual; only a crash of the database server within a fraction
     * of a second of the commit can take them back (any later commit that does wait for the disk
     * makes them durable too). Only for what a client has not been told and what may safely
     * happen again. H2 commits this way anyway (see above).
     */
    public void relaxCurrentTransaction() {
        if (database.isPostgres()) {
            jdbc.sql("set local synchronous_commit to off").update();
        }
    }

    private boolean isH2() {
        // When the database cannot be asked, checkpoint: losing an acknowledged write is worse.
        return database.name().map("H2"::equalsIgnoreCase).orElse(true);
    }
}
