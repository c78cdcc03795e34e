package dev.tempora.task;

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

    Durability(JdbcClient jdbc, DatabaseProduct database) {
        this.jdbc = jdbc;
        this.database = database;
    }

    /** Returns once every commit made so far is in the database file. */
    public void flush() {
        if (isH2()) {
            jdbc.sql("CHECKPOINT").update();
        }
    }

    /**
     * Lets the current transaction commit without waiting for the disk, where the database allows
     * it (PostgreSQL's {@code synchronous_commit = off}, for this transaction only). Its changes are
     * visible and locked exactly as usual; only a crash of the database server within a fraction
     * of a second of the commit can take them back, together with everything committed after
     * them. Only for what a client has not been told and that may safely happen again. H2 commits
     * this way anyway (see above).
     */
    public void relaxCurrentTransaction() {
        if (database.name().map("PostgreSQL"::equalsIgnoreCase).orElse(false)) {
            jdbc.sql("set local synchronous_commit to off").update();
        }
    }

    private boolean isH2() {
        // When the database cannot be asked, checkpoint: losing an acknowledged write is worse.
        return database.name().map("H2"::equalsIgnoreCase).orElse(true);
    }
}
