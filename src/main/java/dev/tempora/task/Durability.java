package dev.tempora.task;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
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
public class Durability {

    private final JdbcClient jdbc;
    private final DatabaseProduct database;

    /** Callers of {@link #flush} so far, numbered in the order they asked (after their commits). */
    private final AtomicLong requested = new AtomicLong();

    private final ReentrantLock checkpointing = new ReentrantLock();

    /** Every caller numbered up to this has had a checkpoint begin after its commit; under the lock. */
    private long flushedThrough;

    Durability(JdbcClient jdbc, DatabaseProduct database) {
        this.jdbc = jdbc;
        this.database = database;
    }

    /**
     * Returns once every commit made so far is in the database file. On H2 the checkpoints are
     * taken one at a time, and one serves every caller whose commit came before it began: many
     * concurrent checkpoints made H2 fail with {@code MVStoreException: Position 0} under
     * concurrent HTTP submits, and one per caller is wasted work anyway.
     */
    public void flush() {
        if (!isH2()) {
            return;
        }
        long mine = requested.incrementAndGet();
        checkpointing.lock();
        try {
            if (flushedThrough >= mine) {
                return; // a checkpoint that began after this caller's commit has covered it
            }
            long covered = requested.get();
            jdbc.sql("CHECKPOINT").update();
            flushedThrough = covered;
        } finally {
            checkpointing.unlock();
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
