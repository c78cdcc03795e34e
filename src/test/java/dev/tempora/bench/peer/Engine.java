package dev.tempora.bench.peer;

import java.time.Instant;
import java.util.List;

/**
 * One scheduler under test, driven exactly like every other: zero-work tasks whose only job is to
 * call {@link Probe#ran(int)} with their id. An engine owns its own store (an H2 file or a
 * PostgreSQL schema), so engines never see each other's rows.
 */
interface Engine {

    /** Tasks are submitted in chunks of this many, in one call (and transaction) each where the API allows. */
    int CHUNK = 500;

    String name();

    /** Whether its tasks survive a restart (the bare executor baseline's do not). */
    default boolean durable() {
        return true;
    }

    void start() throws Exception;

    /** Stores {@code count} tasks due now, with probe ids {@code firstId} and on. */
    void submitDueNow(int firstId, int count) throws Exception;

    /** Stores one task per instant, with probe ids {@code firstId} and on, in order. */
    void submitAt(int firstId, List<Instant> due) throws Exception;

    /**
     * How many tasks due before {@code horizon} are not yet recorded as finished in the store: zero
     * once a measurement's tasks are durably done. The horizon leaves out a far-future backlog.
     */
    long unfinishedDueBefore(Instant horizon);

    /**
     * Deletes the stored tasks due before {@code horizon} that have not started: what is left when a
     * run hits its time bound, so the next measurement starts from an idle engine.
     */
    void cancelPending(Instant horizon) throws Exception;

    /** Stops the engine; what it still stores stays there (the store is dropped with the run). */
    void stop();
}
