package dev.tempora.dispatch;

import dev.tempora.dispatch.TaskRun.Interruption;
import dev.tempora.handler.HandlerRegistry;
import dev.tempora.handler.TaskContext;
import dev.tempora.handler.TaskHandler;
import dev.tempora.support.DatabaseErrors;
import dev.tempora.support.JsonText;
import dev.tempora.support.TaskLogContext;
import dev.tempora.task.DueTask;
import dev.tempora.task.TaskException;
import dev.tempora.task.TaskId;
import dev.tempora.task.TaskState;
import dev.tempora.task.TaskTransitions;
import dev.tempora.task.Transition;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.NullNode;

/**
 * Runs one task on the calling worker: claims it (SCHEDULED to RUNNING, guarded), calls its
 * handler under its timeout, and records the outcome (guarded, so a late outcome after a timeout
 * or a cancel is discarded).
 *
 * <p>Where other instances may cancel the task, the worker waits for its claim to commit before it
 * calls the handler: the claim is what a cancel races in the database. An instance alone in the
 * node list ({@link Node#alone}) decides cancels of the tasks it holds in memory ({@link
 * TaskTracker#startAhead}), so it calls the handler at once and records the outcome once the claim
 * has committed, or with the claim if that is still queued ({@link TransitionWriter#finish}). A
 * crash in between leaves the task reserved, SCHEDULED, to run again, as a crash during a run
 * leaves it RUNNING, to run again. Tasks with a callback still wait for their claims:
 * started ahead, their webhooks took several times longer from task start to first attempt (a
 * steady 200 tasks/s on H2, 2026-12-03: 15–42 ms on average against 6–11 ms), for reasons not
 * isolated yet.
 */
@Component
class TaskRunner implements DisposableBean {

    /**
     * How long a run stopped by shutdown waits for a claim still on its way (a run started ahead of
     * it) before giving the task back. A claim unsettled by then (the database away) leaves the task
     * to the next start, or to the instance that takes this one's tasks over.
     */
    private static final Duration CLAIM_WAIT_AT_SHUTDOWN = Duration.ofSeconds(2);

    private static final Logger log = LoggerFactory.getLogger(TaskRunner.class);

    private static final Optional<String> NULL_RESULT = Optional.of("null");

    /**
     * Arguments up to this size are parsed when the task enters memory, before it is due, instead
     * of between its due time and its handler; larger ones are parsed as it starts, so what is held
     * in memory stays close to the stored text.
     */
    static final int PARSE_AHEAD_MAX_CHARS = 4096;

    private final TaskTransitions transitions;
    private final HandlerRegistry handlers;
    private final ObjectMapper json;
    private final Clock clock;
    private final DispatchMetrics metrics;
    private final Node node;
    private final TaskTracker tracker;
    private final TransitionWriter writer;
    private final ConcurrentHashMap<TaskId, TaskRun> running = new ConcurrentHashMap<>();
    private final ScheduledThreadPoolExecutor timeouts;
    /** Set once the shutdown grace is over: no handler is called any more. */
    private volatile boolean shuttingDown;

    TaskRunner(
            TaskTransitions transitions,
            HandlerRegistry handlers,
            ObjectMapper json,
            Clock clock,
            DispatchMetrics metrics,
            Node node,
            TaskTracker tracker,
            TransitionWriter writer) {
        this.transitions = transitions;
        this.handlers = handlers;
        this.json = json;
        this.clock = clock;
        this.metrics = metrics;
        this.node = node;
        this.tracker = tracker;
        this.writer = writer;
        this.timeouts = new ScheduledThreadPoolExecutor(1, runnable -> {
            var thread = new Thread(runnable, "tempora-timeouts");
            thread.setDaemon(true);
            return thread;
        });
        timeouts.setRemoveOnCancelPolicy(true);
    }

    /**
     * A run of {@code task}, to hold until it is due: its arguments parsed already if they are
     * small ({@link #PARSE_AHEAD_MAX_CHARS}), so the parse is not part of its lateness.
     */
    TaskRun prepare(DueTask task) {
        JsonNode args = null;
        if (task.argsJson() == null) {
            args = NullNode.getInstance();
        } else if (task.argsJson().length() <= PARSE_AHEAD_MAX_CHARS) {
            try {
                args = json.readTree(task.argsJson());
            } catch (JacksonException unreadable) {
                // Parsed again as it starts: the failure is then the task's outcome.
            }
        }
        return new TaskRun(task, this, args);
    }

    void run(TaskRun run) {
        var task = run.task();
        MDC.put("taskId", task.id().toString());
        var start = Start.REFUSED;
        // Registered before its claim: a cancel with mayInterruptIfRunning that commits right after
        // the claim may be told here before this worker hears that its claim committed. It finds
        // the run, and the handler is never called (enterHandler), instead of being called after
        // the cancel's answer and interrupted by the watcher later.
        running.put(task.id(), run);
        try {
            // Put first, then look, as interruptForShutdown sets the flag, then looks: one of the two sees the other.
            if (shuttingDown) {
                run.claimInterruption(Interruption.SHUTDOWN);
            }
            // As the database stores it: a read before the claim commits shows the same start.
            var started = clock.instant().truncatedTo(ChronoUnit.MICROS);
            start = start(run, started);
            if (start == Start.REFUSED) {
                return;
            }
            metrics.started(task, Duration.between(task.dueSince(), started));
            execute(run);
        } finally {
            running.remove(task.id());
            if (start == Start.AHEAD_OF_CLAIM) {
                // Held until its claim settles: a cancel meanwhile finds it, and waits for the claim.
                run.claim().committed().whenComplete((claimed, failed) -> claimSettledAfterRun(run, claimed, failed));
            } else {
                letGo(run, start == Start.AFTER_CLAIM);
            }
            MDC.remove("taskId");
        }
    }

    private enum Start {
        REFUSED,
        AFTER_CLAIM,
        AHEAD_OF_CLAIM
    }

    /**
     * Whether and how this worker starts the task. Alone, the worker starts a task without a
     * callback at once unless a cancel may have come first, and its claim is written a little later
     * ({@link TransitionWriter#queue}); otherwise the worker waits for the claim to commit.
     */
    private Start start(TaskRun run, Instant started) {
        var task = run.task();
        if (!node.listedNow()) {
            // Perhaps presumed dead: its claim would be taken for nobody's, and the task run again
            // elsewhere while it runs here. Given back (letGo drops it), for whoever is listed.
            log.debug("Task {} not started: this instance may be out of the node list", task.id());
            tracker.drop(task.id());
            return Start.REFUSED;
        }
        var owner = node.id();
        // Claimed through the group commit: on a database whose commits serialise (H2 writes each to
        // its file under one lock), one commit per batch of claims instead of one per task.
        var claim = writer.claim(
                transitions.starting(task.id(), started, owner).withCallback(task.tells(TaskState.RUNNING)));
        run.claimedBy(owner, claim);
        boolean ahead = !task.hasCallback() && tracker.startAhead(task.id(), claim.committed(), started, node::alone);
        writer.queue(claim, ahead);
        if (ahead) {
            return Start.AHEAD_OF_CLAIM;
        }
        try {
            if (claim.committed().join()) {
                return Start.AFTER_CLAIM;
            }
            // Or reserved under the id this node had before it rejoined: run() lets it go (letGo).
            log.debug("Task {} was cancelled, or is another node's, before it started", task.id());
        } catch (RuntimeException databaseTrouble) { // CompletionException from the writer, too
            // The claim failed (the database was away), or committed with its answer lost: run()
            // drops the task (letGo), and the loader gives it back (SCHEDULED, unreserved) for any
            // node to load again. Dropped once: a loader pass between two drops could give it back
            // and hold it anew, and the second would take that new hold.
            if (DatabaseErrors.unreachable(databaseTrouble)) {
                // The outage is what to hear of, once per task it delays: given back, not lost.
                log.warn("Task {} could not be dispatched: {}", task.id(), databaseTrouble.toString());
            } else {
                log.error("Task {} could not be dispatched: {}", task.id(), databaseTrouble.toString());
            }
        }
        return Start.REFUSED;
    }

    /** Once a run started ahead of its claim has ended and the claim has settled. */
    private void claimSettledAfterRun(TaskRun run, Boolean claimed, Throwable failed) {
        var task = run.task();
        if (failed != null) {
            // As a claim that fails before the start: given back, to run again (at least once).
            log.error("Task {} ran, but its claim failed: {}; it will run again", task.id(), failed.toString());
            tracker.drop(task.id());
            return;
        }
        if (!claimed) {
            log.warn(
                    "Task {} started before its claim, which found it changed in the database (cancelled,"
                            + " deleted or taken over); its outcome is discarded",
                    task.id());
        }
        letGo(run, claimed);
    }

    /**
     * Lets go of the task of a run that has ended, or whose claim was refused. A task whose claim
     * committed under the id this node still has is RUNNING for it, which no loader reserves:
     * forgotten. Otherwise this node's own loader may have reserved it anew under its current id
     * while this run held it, and could not hold it then: after a refused claim (the task was
     * reserved under the id this node had before it was presumed dead and rejoined, and that
     * reservation then counted as nobody's), or after a claim under such an earlier id (its run then
     * found the task freed by a recovery, and its outcome refused). Forgotten, the task would stay
     * reserved for this node and held by nobody for as long as it lives; so it is dropped, and given
     * back at the loader's next pass if it is reserved for this node (a task cancelled, deleted or
     * another node's is left as it is).
     */
    private void letGo(TaskRun run, boolean claimed) {
        if (run.owner() == null || (claimed && run.owner().equals(node.id()))) {
            tracker.forget(run.task().id());
        } else {
            tracker.drop(run.task().id());
        }
    }

    private void execute(TaskRun run) {
        var task = run.task();
        ScheduledFuture<?> timeout = task.timeout() == null
                ? null
                : timeouts.schedule(() -> timeOut(run), task.timeout().toNanos(), TimeUnit.NANOSECONDS);
        Object result = null;
        Throwable error = null;
        long began = System.nanoTime();
        boolean entered = run.enterHandler();
        if (entered) {
            try {
                result = handle(run);
            } catch (Throwable thrown) { // a handler's failure, whatever it is, is the task's outcome
                error = thrown;
            }
        }
        var interruption = run.leaveHandler();
        if (timeout != null) {
            timeout.cancel(false);
        }
        if (interruption == Interruption.TIMEOUT || interruption == Interruption.CANCEL) {
            log.debug("Task {} ended by {}; what its handler returned is discarded", task.id(), interruption);
            return;
        }
        // Interrupted by shutdown, or stopped by it before its handler was called: given back.
        if (interruption == Interruption.SHUTDOWN && (error != null || !entered)) {
            try {
                if (run.claimCommittedWithin(CLAIM_WAIT_AT_SHUTDOWN)
                        && transitions.apply(transitions.releasing(task.id(), run.owner()))) {
                    log.info("Task {} was interrupted by shutdown and will run again", task.id());
                }
            } catch (RuntimeException databaseTrouble) {
                // Still RUNNING for this node: it runs again once another node takes over this one's tasks.
                log.warn("Task {} was interrupted by shutdown: {}", task.id(), databaseTrouble.toString());
            }
            return;
        }
        var now = clock.instant();
        Transition outcome;
        try {
            outcome = outcome(run, result, error, now);
        } catch (RuntimeException | Error unreadable) {
            // What the handler returned or threw could not be read (a getter of its result, or the
            // message of its exception, threw: a StackOverflowError, an AssertionError). Escaping,
            // it ended the worker, and the task stayed RUNNING for this node with nobody to end it.
            var failure = new TaskException(
                    "UnreadableOutcome",
                    "what the handler " + (error == null ? "returned" : "threw") + " could not be read: "
                            + unreadable.getClass().getName(),
                    null);
            log.warn("Task {} fails: {}: {}", task.id(), failure.type(), failure.message());
            outcome = transitions.failing(task.id(), failure, now, run.owner());
        }
        var recording = outcome.withCallback(task.tells(outcome.to()));
        var ran = Duration.ofNanos(System.nanoTime() - began);
        // Not waited for: the worker moves on; long polls are signalled once it is committed. Written
        // after the claim, or with it if a run started ahead of it ended before it was written.
        record(task, run.claim(), recording, ran);
    }

    /** The outcome of a run whose handler returned {@code result} or threw {@code error}. */
    private Transition outcome(TaskRun run, Object result, Throwable error, Instant now) {
        var task = run.task();
        if (error == null) {
            var resultJson = toJson(result);
            return resultJson.isPresent()
                    ? transitions.succeeding(task.id(), resultJson.get(), now, run.owner())
                    : transitions.failing(task.id(), resultProblem(result), now, run.owner());
        }
        var failure = describe(error);
        // "fails", not FAILED: the outcome is recorded after this, or discarded (logged then) if the
        // task was cancelled or taken over meanwhile.
        log.warn("Task {} fails: {}: {}", task.id(), failure.type(), failure.message());
        return transitions.failing(task.id(), failure, now, run.owner());
    }

    private void record(DueTask task, TransitionWriter.Claim claim, Transition outcome, Duration ran) {
        writer.finish(claim, outcome).thenAccept(recorded -> {
            if (recorded) {
                metrics.ended(task, outcome.to(), ran);
            } else {
                log.info(
                        "Task {} had ended (cancelled) or was taken over by another node; outcome discarded",
                        task.id());
            }
        });
    }

    private Object handle(TaskRun run) throws Exception {
        var task = run.task();
        TaskHandler handler = handlers.find(task.handler())
                .orElseThrow(
                        () -> new IllegalStateException("No handler named '" + task.handler() + "' is registered"));
        JsonNode args = run.args() != null ? run.args() : json.readTree(task.argsJson());
        return handler.handle(new TaskContext(task.id().toString(), args, Optional.ofNullable(task.timeout())));
    }

    private void timeOut(TaskRun run) {
        if (!run.claimInterruption(Interruption.TIMEOUT)) {
            return;
        }
        var task = run.task();
        // On the watcher's thread, not the worker's: the task in the MDC for these lines only.
        TaskLogContext.about(task.id(), () -> {
            try {
                log.warn("Task {} fails: TimeoutException: timed out after {}", task.id(), task.timeout());
                var timedOut = new TimeoutException("timed out after " + task.timeout());
                // Through the writer, as any outcome: kept while the database is away, and written
                // after a claim still on its way. The worker, interrupted, records nothing of its own.
                record(
                        task,
                        run.claim(),
                        transitions
                                .failing(task.id(), describe(timedOut), clock.instant(), run.owner())
                                .withCallback(task.tells(TaskState.FAILED)),
                        task.timeout());
            } finally {
                run.interruptWorker();
            }
        });
    }

    /** Interrupts a task running here, after a cancel with {@code mayInterruptIfRunning} was recorded. */
    void interruptCancelled(TaskId id) {
        var run = running.get(id);
        if (run != null && run.claimInterruption(Interruption.CANCEL)) {
            run.interruptWorker();
        }
    }

    /** Runs start as usual: at every start of the dispatcher, after a stop in this process. */
    void acceptStarts() {
        shuttingDown = false;
    }

    /**
     * Interrupts every task running here for shutdown; they will run again at the next start. A run
     * whose handler has not been called yet (its worker still waiting for the claim) is given back
     * instead of starting.
     */
    void interruptForShutdown() {
        shuttingDown = true;
        for (var run : running.values()) {
            if (run.claimInterruption(Interruption.SHUTDOWN)) {
                run.interruptWorker();
            }
        }
    }

    Collection<TaskId> runningIds() {
        return List.copyOf(running.keySet());
    }

    private Optional<String> toJson(Object result) {
        if (result == null) {
            // Most handlers return nothing: spares every such run a serialisation context.
            return NULL_RESULT;
        }
        try {
            var text = json.writeValueAsString(result);
            return text.length() > JsonText.MAX_CHARS || JsonText.depth(text) > JsonText.MAX_DEPTH
                    ? Optional.empty()
                    : Optional.of(text);
        } catch (JacksonException notJson) {
            return Optional.empty();
        }
    }

    private TaskException resultProblem(Object result) {
        return new TaskException(
                "InvalidResult",
                "the handler's result (" + result.getClass().getName() + ") is not JSON, is over " + JsonText.MAX_CHARS
                        + " characters, or nests over " + JsonText.MAX_DEPTH + " deep",
                null);
    }

    /**
     * {@code error} as a task's outcome. Total: the exception is the handler's, and one whose
     * message cannot be built (its {@code getMessage} throws) must still end the task, not the
     * worker, which would leave it RUNNING for this node with nobody to record its end.
     */
    static TaskException describe(Throwable error) {
        var type = error.getClass().getSimpleName();
        if (type.isEmpty()) {
            type = error.getClass().getName();
        }
        String message;
        String trace;
        try {
            message = error.getMessage();
            var text = new StringWriter();
            error.printStackTrace(new PrintWriter(text));
            trace = text.toString();
        } catch (RuntimeException unreadable) {
            message = "(its message could not be read: " + unreadable.getClass().getName() + ")";
            var text = new StringBuilder(error.getClass().getName());
            for (var frame : error.getStackTrace()) {
                text.append("\n\tat ").append(frame);
            }
            trace = text.toString();
        }
        return new TaskException(type, message, trace);
    }

    @Override
    public void destroy() {
        timeouts.shutdownNow();
    }
}
