package dev.tempora.task;

import dev.tempora.support.CommitOutcomeUnknownException;
import dev.tempora.support.DatabaseErrors;
import dev.tempora.support.JdbcTransactions;
import dev.tempora.support.Timestamps;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/** Submitting, reading, cancelling and listing tasks. */
@Service
public class TaskService implements SmartInitializingSingleton {

    /** Without a dispatcher (a context that only stores tasks), nothing is reserved on submit. */
    private static final SubmitReservations NO_RESERVATIONS = (runAt, alreadyReserved) -> Optional.empty();

    /** Without a dispatcher, no task is held in memory, so there is nothing to settle before a cancel. */
    private static final CancelGate NO_GATE = new CancelGate() {
        @Override
        public boolean beforeCancel(TaskId id) {
            return false;
        }

        @Override
        public void afterCancel(TaskId id) {}
    };

    /** How many times a cancel's answer reads its task when the database is out of reach. */
    private static final int READ_BACK_ATTEMPTS = 3;

    private static final String RUNNING_CONFLICT =
            "Task is running; cancel with mayInterruptIfRunning=true to interrupt it";

    private final TaskRepository tasks;
    private final TaskTransitions transitions;
    private final TaskCompletions completions;
    private final TaskEvents events;
    private final JdbcClient jdbc;
    private final Clock clock;
    private final TaskProperties properties;
    private final Durability durability;
    private final ObjectProvider<SubmitReservations> reservations;
    private final ObjectProvider<CancelGate> cancelGates;

    /**
     * Looked up once all singletons exist, not at construction (the dispatcher depends on this
     * service's collaborators), as {@link TaskEvents} finds its listeners; looking it up at every
     * submission took 4% of the request threads' CPU samples in the HTTP submit benchmark.
     */
    private volatile SubmitReservations reserver = NO_RESERVATIONS;

    private volatile CancelGate cancelGate = NO_GATE;

    private final TaskInserts inserts;
    private final JdbcTransactions jdbcTransactions;
    private final TaskReads reads;
    private final TaskListing listing;
    private final TaskCounts counts;

    TaskService(
            TaskRepository tasks,
            TaskTransitions transitions,
            TaskCompletions completions,
            TaskEvents events,
            JdbcClient jdbc,
            Clock clock,
            TaskProperties properties,
            Durability durability,
            ObjectProvider<SubmitReservations> reservations,
            ObjectProvider<CancelGate> cancelGates,
            TaskInserts inserts,
            JdbcTransactions jdbcTransactions,
            TaskReads reads,
            TaskListing listing,
            TaskCounts counts) {
        this.reads = reads;
        this.counts = counts;
        this.listing = listing;
        this.reservations = reservations;
        this.cancelGates = cancelGates;
        this.inserts = inserts;
        this.jdbcTransactions = jdbcTransactions;
        this.tasks = tasks;
        this.transitions = transitions;
        this.completions = completions;
        this.events = events;
        this.jdbc = jdbc;
        this.clock = clock;
        this.properties = properties;
        this.durability = durability;
    }

    /** Stores a task; it is durable when this returns, and dispatched at its time. */
    public Task submit(NewTask spec) {
        return submitAll(List.of(spec)).getFirst();
    }

    /** Stores tasks in one transaction: for in-process callers with many tasks at once. */
    public List<Task> submitAll(List<NewTask> specs) {
        var now = now();
        var reserver = this.reserver;
        var created = new ArrayList<Task>(specs.size());
        var reservedHere = new ArrayList<TaskId>();
        var unreserved = new ArrayList<TaskId>();
        for (var spec : specs) {
            var withDefaults = spec.timeout() != null || properties.defaultTimeout() == null
                    ? spec
                    : spec.withTimeout(properties.defaultTimeout());
            // Stored to the microsecond, rounded up as a runAt sent is: a delay of 1.5 µs was
            // stored as 1, and one of 0.1 µs as none (found by review).
            var runAt = Timestamps.upToMicros(withDefaults.dueAt(now));
            var reservedBy =
                    reserver.reserveOnSubmit(runAt, reservedHere.size()).orElse(null);
            var task = Task.submit(TaskId.next(clock), withDefaults, runAt, now, reservedBy);
            (reservedBy != null ? reservedHere : unreserved).add(task.id());
            created.add(task);
        }
        reserver.storing(reservedHere, unreserved);
        try {
            jdbcTransactions.run(status -> inserts.insert(created));
        } catch (CommitOutcomeUnknownException mayBeStored) {
            // Rows reserved here may exist: they go back to any loader instead, or they would wait,
            // reserved, for a node that does not hold them (until it restarts).
            reserver.mayBeStored(reservedHere, unreserved);
            throw new SubmitOutcomeUnknownException(
                    created.stream().map(Task::id).toList(), mayBeStored);
        } catch (RuntimeException | Error notStored) {
            reserver.notStored(reservedHere, unreserved);
            throw notStored;
        }
        var unconfirmed = flush();
        // Committed either way: dispatched as stored. (Skipping this on a failed checkpoint left
        // the tasks reserved for this instance, and never timed, until a restart.) Each is told
        // SCHEDULED, then submitted: one that a loader reserved meanwhile starts only then.
        int handedOver = 0;
        try {
            for (var task : created) {
                events.changed(new TaskChanged(task.id(), TaskState.SCHEDULED, task.handler(), now));
                events.submitted(new TaskSubmitted(task.toDueTask(), task.owner()));
                handedOver++;
            }
        } finally {
            if (handedOver < created.size()) {
                // An Error escaped a listener (they catch the rest): the tasks not handed over go to
                // the loaders, as after a lost commit answer, or they would wait, held here and never
                // timed, until a restart.
                var rest = created.subList(handedOver, created.size());
                reserver.mayBeStored(
                        rest.stream()
                                .filter(task -> task.owner() != null)
                                .map(Task::id)
                                .toList(),
                        rest.stream()
                                .filter(task -> task.owner() == null)
                                .map(Task::id)
                                .toList());
            }
        }
        if (unconfirmed.isPresent()) {
            var ids = created.stream().map(Task::id).toList();
            throw new NotDurableException(
                    created.size() == 1 ? "The task" : "The " + created.size() + " tasks", ids, unconfirmed.get());
        }
        return created;
    }

    /**
     * Makes what was just committed durable ({@link Durability#flush}); returns how that failed, if
     * it did, for the caller to finish what the commit started before it reports the failure.
     */
    private Optional<RuntimeException> flush() {
        try {
            durability.flush();
            return Optional.empty();
        } catch (RuntimeException checkpointFailed) {
            return Optional.of(checkpointFailed);
        }
    }

    @Override
    public void afterSingletonsInstantiated() {
        reserver = reservations.getIfAvailable(() -> NO_RESERVATIONS);
        cancelGate = cancelGates.getIfAvailable(() -> NO_GATE);
    }

    /**
     * The task as clients see it: as stored, or RUNNING if a worker here started it ahead of its
     * claim ({@link StartsAhead}).
     */
    public Optional<Task> find(TaskId id) {
        var startedAhead = reads.startedAhead(id);
        var stored = tasks.findOneById(id.value());
        if (startedAhead.isEmpty()) {
            return stored;
        }
        return stored.map(task -> task.state() == TaskState.SCHEDULED ? task.runningAhead(startedAhead.get()) : task);
    }

    public Task get(TaskId id) {
        return find(id).orElseThrow(() -> new TaskNotFoundException(id.toString()));
    }

    /**
     * {@code Future.cancel(mayInterruptIfRunning)}: a task that has not started never will; a running
     * one is cancelled (and its worker interrupted) only when {@code mayInterruptIfRunning}.
     *
     * @throws TaskConflictException when it is running (and may not be interrupted) or already ended
     */
    public Task cancel(TaskId id, boolean mayInterruptIfRunning) {
        boolean runningAheadOfClaim;
        try {
            runningAheadOfClaim = cancelGate.beforeCancel(id);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted before cancelling task " + id, interrupted);
        }
        try {
            if (runningAheadOfClaim && !mayInterruptIfRunning) {
                // SCHEDULED in the database, where the cancel would win: its handler runs all the same.
                throw new TaskConflictException(get(id), RUNNING_CONFLICT);
            }
            return decideCancel(id, mayInterruptIfRunning);
        } finally {
            cancelGate.afterCancel(id);
        }
    }

    private Task decideCancel(TaskId id, boolean mayInterruptIfRunning) {
        for (int attempt = 1; ; attempt++) {
            if (transitions.cancel(id, mayInterruptIfRunning, now())) {
                var unconfirmed = flush();
                // Committed either way: waiters are woken, and a running handler interrupted.
                completions.signal(id);
                events.cancelled(new TaskCancelled(id, mayInterruptIfRunning));
                if (unconfirmed.isPresent()) {
                    throw new NotDurableException("The cancel", List.of(id), unconfirmed.get());
                }
                return readBack(id);
            }
            var current = get(id);
            switch (current.state()) {
                case CANCELLED -> {
                    // Cancelled by another request, perhaps not yet in the file (its checkpoint under
                    // way, or failed: a 503 not-durable, and this may be its retry): this answer
                    // promises it as much as that one does.
                    var unconfirmed = flush();
                    if (unconfirmed.isPresent()) {
                        throw new NotDurableException("The cancel", List.of(id), unconfirmed.get());
                    }
                    return current;
                }
                case RUNNING -> throw new TaskConflictException(current, RUNNING_CONFLICT);
                case SUCCEEDED, FAILED ->
                    throw new TaskConflictException(current, "Task has already ended: " + current.state());
                default -> {
                    // Released for another attempt between the update and the read: try again.
                    if (attempt == 3) {
                        throw new TaskConflictException(current, "Task is changing state; try again");
                    }
                }
            }
        }
    }

    /**
     * The task a cancel has just changed, for its answer. The change is made: a read that finds the
     * database out of reach (a session ended between the two) is made again, on another connection,
     * and failing that the client is told the cancel was made, not that nothing was changed.
     */
    private Task readBack(TaskId id) {
        for (int attempt = 1; ; attempt++) {
            try {
                return get(id);
            } catch (RuntimeException failed) {
                if (!DatabaseErrors.unreachable(failed)) {
                    throw failed;
                }
                if (attempt == READ_BACK_ATTEMPTS) {
                    throw new CancelMadeUnreadException(id, failed);
                }
            }
        }
    }

    /** Tasks matching {@code query}, newest first; one more than the limit tells there is a next page. */
    public List<Task> list(TaskQuery query) {
        return listing.list(query, Timestamps.utc(now()));
    }

    /**
     * The queue's SCHEDULED part, in {@code task_due}'s order: without {@code state} in the {@code
     * order by}, H2 read every task scheduled ahead and sorted them (1.3 s over a million).
     */
    static final String SCHEDULED_QUEUE = "select id from task where state = 'SCHEDULED' and run_at > :now"
            + " order by state, run_at, priority, id fetch first :limit rows only";

    /**
     * The queue as of one instant: the tasks due {@code at} (QUEUED) first, then those due after it.
     * Clients see each task's state {@code at} that instant: one taken apart from the reads showed a
     * task that fell due in between as SCHEDULED among the QUEUED ones, "due 0.0 s ago".
     */
    public record Queue(Instant at, List<Task> tasks) {}

    /**
     * {@code sched.scheduler.queue}: tasks that have not started, in the order they would start.
     * Due (QUEUED) tasks first by the backlog rule, then SCHEDULED ones by the sched rule.
     */
    public Queue queue(int limit) {
        var at = now();
        var now = Timestamps.utc(at);
        var ids = new ArrayList<UUID>(jdbc.sql("select id from task where state = 'SCHEDULED' and run_at <= :now"
                        + " order by priority, run_at, id fetch first :limit rows only")
                .param("now", now)
                .param("limit", limit)
                .query(UUID.class)
                .list());
        if (ids.size() < limit) {
            ids.addAll(jdbc.sql(SCHEDULED_QUEUE)
                    .param("now", now)
                    .param("limit", limit - ids.size())
                    .query(UUID.class)
                    .list());
        }
        var byId = new HashMap<UUID, Task>();
        // Read after the ids: a task that started (or was cancelled) in between is no longer queued.
        // Shown as it is now, it put RUNNING, SUCCEEDED and FAILED tasks in the queue under load. Nor
        // is one a worker here started ahead of its claim, still SCHEDULED in the database.
        tasks.findAllById(ids).forEach(task -> {
            if (task.state() == TaskState.SCHEDULED
                    && reads.startedAhead(task.id()).isEmpty()) {
                byId.put(task.getId(), task);
            }
        });
        return new Queue(
                at, ids.stream().map(byId::get).filter(Objects::nonNull).toList());
    }

    /** How many tasks are in each state, as clients see the states now. */
    public Map<TaskState, Long> countByState() {
        return counts.byState(now());
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
