package dev.tempora.support;

/**
 * The connection to the database was lost while it committed: the transaction may have been
 * committed or not, and nobody here can tell. Still a database failure ({@link DatabaseErrors}
 * finds the lost connection among its causes), so whoever retries outcomes while the database is
 * away retries this too; a client must read before it repeats the change.
 */
public class CommitOutcomeUnknownException extends RuntimeException {

    public CommitOutcomeUnknownException(RuntimeException commitFailure) {
        super("The connection to the database was lost while committing: " + commitFailure.getMessage(), commitFailure);
    }
}
