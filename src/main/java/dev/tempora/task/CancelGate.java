package dev.tempora.task;

/**
 * Lets the dispatcher settle, before a cancel is decided in the database, whether a task this
 * instance holds has started. An instance alone in the node list starts tasks without waiting for
 * their claims to commit, so for a moment a running task is still SCHEDULED in the database.
 */
public interface CancelGate {

    /**
     * Called before the cancel of {@code id} is decided in the database. Afterwards a task that has
     * started here is RUNNING there, and one that has not will not start before its claim commits
     * (which the cancel then races in the database). May wait: for a claim to commit, or, on an
     * instance that has just joined others, for their leases on being alone to run out. When it
     * returns, {@link #afterCancel} follows.
     *
     * @return whether the task is running here still ahead of its claim, which has not committed
     *     within the longest a cancel waits (the database is slow, or away): it is RUNNING as
     *     clients read it, though still SCHEDULED in the database
     * @throws NotReadyException when this instance cannot settle it now, as it starts or stops
     */
    boolean beforeCancel(TaskId id) throws InterruptedException;

    /** The cancel of {@code id} has been decided in the database (or failed). */
    void afterCancel(TaskId id);
}
