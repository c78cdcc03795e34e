/**
 * Dispatch: hands each task to its pool's worker at its {@code runAt}. An in-memory timer holds
 * the tasks due within a look-ahead window; a loader refills it from the database; each pool is
 * a {@link java.util.concurrent.ThreadPoolExecutor} whose queue applies the backlog rule; every
 * start and end is a guarded transition in the database.
 */
package dev.tempora.dispatch;
