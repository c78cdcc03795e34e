package dev.tempora.task;

import static dev.tempora.task.TaskState.CANCELLED;
import static dev.tempora.task.TaskState.FAILED;
import static dev.tempora.task.TaskState.RUNNING;
import static dev.tempora.task.TaskState.SCHEDULED;
import static dev.tempora.task.TaskState.SUCCEEDED;

import dev.tempora.support.CommitOutcomeUnknownException;
import dev.tempora.support.JdbcTransactions;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionStatus;

/**
 * Every stored state change of a task, each a guarded update: it applies only while the row is in
 * one of the states {@link TaskState} allows to precede the target, and reports whether it did.
 * Concurrent attempts (a cancel racing a start, a timeout racing a finish) thus have exactly one
 * winner, decided by the database. Transitions apply one at a time ({@link #apply}) or many in
 * one transaction ({@link #applyAll}), which is how the dispatcher amortises commits.
 */
@Component
public class TaskTransitions {

    /** One kind of transition: its target and its statement, written once, so a batch of them is one JDBC batch. */
    private record Guarded(TaskState to, String sql) {}

    /** A claim applies to an unreserved task or to one this node reserved. */
    private static final String CLAIM_GUARD = "(owner is null or owner = :owner)";

    private static final String SUCCESS = "result = :result, finished_at = :now";
    private static final String FAILURE =
            "exception_type = :type, exception_message = :message, exception_trace = :trace, finished_at = :now";

    private static final Guarded STARTING = guarded(
            RUNNING,
            EnumSet.of(SCHEDULED),
            "attempts = attempts + 1, started_at = :now, finished_at = null, owner = :owner",
            CLAIM_GUARD);
    private static final Guarded SUCCEEDING = guarded(SUCCEEDED, EnumSet.of(RUNNING), SUCCESS, "owner = :owner");
    private static final Guarded FAILING = guarded(FAILED, EnumSet.of(RUNNING), FAILURE, "owner = :owner");
    private static final Guarded CANCELLING_SCHEDULED =
            guarded(CANCELLED, EnumSet.of(SCHEDULED), "finished_at = :now", null);
    private static final Guarded CANCELLING_ANY =
            guarded(CANCELLED, EnumSet.of(SCHEDULED, RUNNING), "finished_at = :now", null);
    private static final Guarded RELEASING = guarded(SCHEDULED, EnumSet.of(RUNNING), "owner = null", "owner = :owner");

    /*
     * A claim and the outcome of its run in one update, SCHEDULED to SUCCEEDED or FAILED through
     * RUNNING: for a run that ended before its claim was written. Guarded as the claim is.
     */
    private static final String STARTED_AND = "attempts = attempts + 1, started_at = :started, owner = :owner, ";
    /** The outcome statements, and their folded forms. */
    private static final Map<String, Guarded> FOLDED = Map.of(
            SUCCEEDING.sql(), guarded(SUCCEEDED, RUNNING, STARTED_AND + SUCCESS, CLAIM_GUARD),
            FAILING.sql(), guarded(FAILED, RUNNING, STARTED_AND + FAILURE, CLAIM_GUARD));

    /** The folded statements: their transitions pass through RUNNING. */
    private static final Set<String> THROUGH_RUNNING =
            FOLDED.values().stream().map(Guarded::sql).collect(Collectors.toUnmodifiableSet());

    private final JdbcClient jdbc;
    private final DatabaseProduct database;
    private final NamedParameterJdbcTemplate batch;
    /** Plain JDBC transactions, without a JPA session: hooks write and read through JDBC too. */
    private final JdbcTransactions jdbcTransactions;

    private final TaskEvents events;
    private final Clock clock;
    private final List<TransitionHook> hooks;
    private final Durability durability;

    TaskTransitions(
            JdbcClient jdbc,
            NamedParameterJdbcTemplate batch,
            TaskEvents events,
            Clock clock,
            List<TransitionHook> hooks,
            Durability durability,
            JdbcTransactions jdbcTransactions,
            DatabaseProduct database) {
        this.jdbc = jdbc;
        this.database = database;
        this.batch = batch;
        this.jdbcTransactions = jdbcTransactions;
        this.durability = durability;
        this.events = events;
        this.clock = clock;
        this.hooks = List.copyOf(hooks);
    }

    /**
     * SCHEDULED to RUNNING: claims the task for {@code owner} (a node) and counts the attempt. A task
     * reserved by another node's loader is that node's to start.
     */
    public Transition starting(TaskId id, Instant now, String owner) {
        return transition(id, STARTING, "now", now, "owner", owner);
    }

    /**
     * RUNNING to SUCCEEDED with the handler's result (JSON text, or null), while {@code owner} still
     * runs it: a node that was presumed dead, and whose task was taken over, cannot overwrite the
     * outcome of the run that replaced its own.
     */
    public Transition succeeding(TaskId id, String resultJson, Instant now, String owner) {
        return transition(id, SUCCEEDING, "now", now, "result", resultJson, "owner", owner);
    }

    /** RUNNING to FAILED with what the handler threw, while {@code owner} still runs it. */
    public Transition failing(TaskId id, TaskException exception, Instant now, String owner) {
        return transition(
                id,
                FAILING,
                "now",
                now,
                "type",
                exception.type(),
                "message",
                exception.message(),
                "trace",
                exception.stackTrace(),
                "owner",
                owner);
    }

    /**
     * To CANCELLED, from SCHEDULED only, or also from RUNNING when {@code evenIfRunning}
     * ({@code Future.cancel(mayInterruptIfRunning)}), whichever node runs it. The owner stays: it
     * tells which node's worker to interrupt.
     */
    public Transition cancelling(TaskId id, boolean evenIfRunning, Instant now) {
        return transition(id, evenIfRunning ? CANCELLING_ANY : CANCELLING_SCHEDULED, "now", now);
    }

    /**
     * {@code starting} (a claim) and {@code outcome} (the end of the run it claims) as one
     * transition, SCHEDULED to SUCCEEDED or FAILED, for a run that ended before its claim was
     * written: one update instead of two. It applies where {@code starting} would have, and tells
     * {@link TaskListener}s of both changes.
     */
    public Transition startedAndEnded(Transition starting, Transition outcome) {
        var folded = FOLDED.get(outcome.sql());
        if (!starting.sql().equals(STARTING.sql()) || folded == null) {
            throw new IllegalArgumentException("not a claim and an outcome: " + starting.to() + ", " + outcome.to());
        }
        return new Transition(
                outcome.id(),
                folded.to(),
                folded.sql(),
                outcome.paramsWith("started", starting.param("now")),
                outcome.callback());
    }

    /** RUNNING back to SCHEDULED, to run again: {@code owner}'s run was interrupted by a shutdown. */
    public Transition releasing(TaskId id, String owner) {
        return transition(id, RELEASING, "owner", owner);
    }

    /** Applies one transition on its own; whether it took effect. */
    public boolean apply(Transition transition) {
        if (transition.callback() && !hooks.isEmpty()) {
            return applyAll(List.of(transition))[0];
        }
        // Nothing else to write: a single autocommit statement is cheaper than a transaction.
        boolean applied = jdbc.sql(transition.sql()).params(transition.params()).update() == 1;
        if (applied) {
            changed(transition);
        }
        return applied;
    }

    /**
     * Whether the task shows {@code transition} as made already: for one whose commit's answer was
     * lost. If so, its listeners are told now, as they would have been after that commit. A
     * transition guarded by an owner (a run's outcome, or its claim and outcome together) shows
     * when the task is in its target state with that owner; one without (a cancel), when the task
     * is in its target state.
     */
    public boolean madeEarlier(Transition transition) {
        var params = transition.params();
        var owned = params.containsKey("owner");
        var query = jdbc.sql("select count(*) from task where id = :id and state = :state"
                        + (owned ? " and owner = :owner" : ""))
                .param("id", params.get("id"))
                .param("state", transition.to().name());
        boolean shown = (owned ? query.param("owner", params.get("owner")) : query)
                        .query(Long.class)
                        .single()
                > 0;
        if (shown) {
            changed(transition);
        }
        return shown;
    }

    /**
     * Applies many transitions in one transaction, batched by statement; whether each took effect,
     * in order. A task may appear more than once: its transitions apply in the given order.
     */
    public boolean[] applyAll(List<Transition> transitions) {
        return applyAll(transitions, false);
    }

    /**
     * As {@link #applyAll(List)}; when {@code relaxed}, the commit does not wait for the disk
     * ({@link Durability#relaxCurrentTransaction}): for changes that may safely be lost in a
     * crash of the database server, such as claims whose runs would then simply happen again.
     */
    public boolean[] applyAll(List<Transition> transitions, boolean relaxed) {
        var applied = new boolean[transitions.size()];
        Consumer<TransactionStatus> work = status -> {
            if (relaxed) {
                durability.relaxCurrentTransaction();
            }
            // Consecutive runs of one statement go as one JDBC batch; order across runs is kept.
            int start = 0;
            while (start < transitions.size()) {
                var sql = transitions.get(start).sql();
                int end = start;
                var params = new ArrayList<MapSqlParameterSource>();
                while (end < transitions.size() && transitions.get(end).sql().equals(sql)) {
                    params.add(new MapSqlParameterSource(transitions.get(end).params()));
                    end++;
                }
                int[] counts = batch.batchUpdate(sql, params.toArray(MapSqlParameterSource[]::new));
                for (int i = 0; i < counts.length; i++) {
                    applied[start + i] = counts[i] == 1;
                }
                start = end;
            }
            var took = new ArrayList<Transition>();
            for (int i = 0; i < applied.length; i++) {
                if (applied[i] && transitions.get(i).callback()) {
                    took.add(transitions.get(i));
                }
            }
            if (!took.isEmpty()) {
                hooks.forEach(hook -> hook.applied(took));
            }
        };
        jdbcTransactions.run(work);
        for (int i = 0; i < applied.length; i++) {
            if (applied[i]) {
                changed(transitions.get(i));
            }
        }
        return applied;
    }

    public boolean cancel(TaskId id, boolean evenIfRunning, Instant now) {
        var cancel = cancelling(id, evenIfRunning, now);
        try {
            return apply(cancel);
        } catch (CommitOutcomeUnknownException answerLost) {
            // The cancel may have committed: a task that shows it was cancelled here, and is told
            // so (a concurrent cancel through another request would then be told twice).
            try {
                return madeEarlier(cancel);
            } catch (RuntimeException unreadable) {
                answerLost.addSuppressed(unreadable);
                throw answerLost;
            }
        }
    }

    /**
     * The RUNNING tasks of nodes that are gone (no row in {@code tempora_node}) back to SCHEDULED,
     * to run again (at-least-once; {@code attempts} tells). Their reservations of SCHEDULED tasks
     * need nothing: loaders take such tasks as unreserved ({@link DueTaskFinder}).
     *
     * <p>On PostgreSQL, a task whose row another session holds locked is left for a later call: a
     * session of the dead instance may hold it until the server ends it (a minute). The caller is
     * the heartbeat, which waited on such a lock; so did every other instance's, and none renewed
     * its heartbeat until it was gone.
     *
     * @return the RUNNING tasks taken over
     */
    public List<TaskId> recoverOrphans() {
        var orphans = "state = 'RUNNING' and owner not in (select id from tempora_node)";
        var update = "update task set state = '" + checked(EnumSet.of(RUNNING), SCHEDULED) + "', owner = null where ";
        // PostgreSQL says which rows it changed; H2 tells the same through its delta table.
        var sql = database.isPostgres()
                ? update + "id in (select id from task where " + orphans + " for update skip locked) returning id"
                : "select id from final table (" + update + orphans + ")";
        return jdbc.sql(sql)
                .query((row, number) -> new TaskId(row.getObject("id", UUID.class)))
                .list();
    }

    /**
     * Gives back the tasks {@code ids} that {@code owner} holds but will not run, because their claims
     * failed as far as its workers know: a reservation is released for any loader, and a claim that
     * did commit although its worker was told it failed (the connection dropped between the commit
     * and its answer) goes back to SCHEDULED, to run again (at-least-once; {@code attempts} tells).
     * In chunks: after an outage they may be as many as {@code max-in-memory} allows, past what one
     * statement may bind. Giving back again what one chunk gave back changes nothing.
     */
    public int giveBack(String owner, Collection<TaskId> ids) {
        int given = 0;
        for (var chunk : TaskReads.chunks(ids)) {
            given += jdbc.sql("update task set state = '" + checked(EnumSet.of(RUNNING), SCHEDULED)
                            + "', owner = null where state in ('SCHEDULED', 'RUNNING') and owner = :owner"
                            + " and id in (:ids)")
                    .param("owner", owner)
                    .param("ids", chunk)
                    .update();
        }
        return given;
    }

    /**
     * Releases {@code owner}'s reservations of the SCHEDULED tasks {@code ids}, which it will not
     * start (it is stopping), for any instance's loader; how many. On H2, which serves one process,
     * there is nobody to take them (and after a restart an old reservation counts as nobody's): no
     * write.
     */
    public int release(String owner, Collection<TaskId> ids) {
        if (!database.isPostgres()) {
            return 0;
        }
        return jdbc.sql("update task set owner = null where state = 'SCHEDULED' and owner = :owner and id in (:ids)")
                .param("owner", owner)
                .param("ids", ids.stream().map(TaskId::value).toList())
                .update();
    }

    private void changed(Transition transition) {
        if (THROUGH_RUNNING.contains(transition.sql())) {
            events.changed(new TaskChanged(transition.id(), RUNNING, null, clock.instant()));
        }
        events.changed(new TaskChanged(transition.id(), transition.to(), null, clock.instant()));
    }

    private static Transition transition(TaskId id, Guarded kind, Object... keysAndValues) {
        return new Transition(id, kind.to(), kind.sql(), keysAndValues, true);
    }

    /** The update that moves a task to {@code to} only while it is in one of {@code from}. */
    private static Guarded guarded(TaskState to, Set<TaskState> from, String assignments, String ownerGuard) {
        return new Guarded(to, update(checked(from, to), from, assignments, ownerGuard));
    }

    /** The update that moves a SCHEDULED task to {@code to} through {@code through}, in one step. */
    private static Guarded guarded(TaskState to, TaskState through, String assignments, String ownerGuard) {
        checked(EnumSet.of(SCHEDULED), through);
        return new Guarded(
                to, update(checked(EnumSet.of(through), to), EnumSet.of(SCHEDULED), assignments, ownerGuard));
    }

    private static String update(String to, Set<TaskState> from, String assignments, String ownerGuard) {
        // The states go into the text, not parameters: every transition of a kind is the same statement.
        var states = from.stream().map(state -> "'" + state.name() + "'").collect(Collectors.joining(", "));
        return "update task set state = '" + to + "', " + assignments + " where id = :id and state in (" + states + ")"
                + (ownerGuard == null ? "" : " and " + ownerGuard);
    }

    /** Enforces the transition table in Java too: a transition it does not allow is a bug here. */
    private static String checked(Set<TaskState> from, TaskState to) {
        for (var state : from) {
            if (!state.canBecome(to)) {
                throw new IllegalStateException(state + " may not become " + to);
            }
        }
        return to.name();
    }
}
