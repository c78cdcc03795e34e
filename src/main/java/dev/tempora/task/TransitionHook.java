package dev.tempora.task;

import java.util.List;

/**
 * Takes part in the transaction that applies transitions: called with those that took effect,
 * after they did and before the transaction commits, so whatever it writes (an outbox row) commits
 * or rolls back with them. Implemented by modules that react to task ends, such as webhooks. The
 * transaction is a plain JDBC one ({@code JdbcTransactions}): a hook reads and writes through JDBC,
 * and may register a {@code TransactionSynchronization} for what follows the commit.
 */
public interface TransitionHook {

    void applied(List<Transition> applied);
}
