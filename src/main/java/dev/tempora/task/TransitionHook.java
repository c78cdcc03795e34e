package dev.tempora.task;

import java.util.List;

/**
 * Takes part in the transaction that applies transitions: called with those that took effect,
 * after they did and before the transaction commits, so whatever it writes (an outbox row) commits
 * or rolls back with them. Implemented by modules that react to task ends, such as webhooks.
 */
public interface TransitionHook {

    void applied(List<Transition> applied);
}
