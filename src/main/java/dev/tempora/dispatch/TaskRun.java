package dev.tempora.dispatch;

import dev.tempora.task.DueTask;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import tools.jackson.databind.JsonNode;

/**
 * One execution of a task on a pool's worker, from its claim to its recorded end. Also the
 * rendezvous for interrupting it: whoever stops the handler (a timeout, a cancel, a shutdown)
 * says why first, under a lock the worker takes when the handler returns, so an interrupt can
 * never leak into the next task the worker runs.
 */
final class TaskRun implements Runnable {

    /** The pool queue's order: the backlog rule. */
    static final Comparator<Runnable> BACKLOG_ORDER =
            Comparator.comparing(runnable -> ((TaskRun) runnable).task, DueTask.BACKLOG_ORDER);

    /** The timer's order: the sched rule. */
    static final Comparator<TaskRun> SCHED_ORDER = Comparator.comparing(TaskRun::task, DueTask.SCHED_ORDER);

    enum Interruption {
        TIMEOUT,
        CANCEL,
        SHUTDOWN
    }

    private final DueTask task;
    private final TaskRunner runner;

    /** The task's arguments, parsed before it was due; {@code null} to parse them as it starts. */
    private final JsonNode args;

    /** The node incarnation that claimed it: the guard of its outcome. */
    private volatile String owner;

    /** Its claim (SCHEDULED to RUNNING for {@link #owner}). */
    private volatile TransitionWriter.Claim claim;

    private Thread worker;
    private Interruption interruption;
    private boolean handlerDone;

    TaskRun(DueTask task, TaskRunner runner, JsonNode args) {
        this.task = task;
        this.runner = runner;
        this.args = args;
    }

    DueTask task() {
        return task;
    }

    /** The arguments parsed ahead, or {@code null}. */
    JsonNode args() {
        return args;
    }

    String owner() {
        return owner;
    }

    void claimedBy(String owner, TransitionWriter.Claim claim) {
        this.owner = owner;
        this.claim = claim;
    }

    TransitionWriter.Claim claim() {
        return claim;
    }

    /**
     * Waits for its claim, at most {@code wait}: whether it committed. A run may have started before
     * it did; while the database is away, its claim waits for it to come back. Interrupts are not
     * heeded: at shutdown every worker is interrupted, and this wait is what gives its task back.
     */
    boolean claimCommittedWithin(Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            try {
                return claim.committed().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException meantForTheHandler) {
                // Its run is over (this comes after the handler returned): the interrupt was for it.
            } catch (ExecutionException | TimeoutException | CancellationException unsettled) {
                return false;
            }
        }
    }

    @Override
    public void run() {
        runner.run(this);
    }

    /** Marks the handler as running on the current thread; false if it was stopped before it began. */
    synchronized boolean enterHandler() {
        worker = Thread.currentThread();
        return interruption == null;
    }

    /**
     * Marks the handler as returned and clears any interrupt meant for it.
     *
     * @return why it was interrupted, or {@code null}
     */
    synchronized Interruption leaveHandler() {
        handlerDone = true;
        worker = null;
        Thread.interrupted();
        return interruption;
    }

    /** Claims the right to stop this run; false if the handler has returned or another stop came first. */
    synchronized boolean claimInterruption(Interruption why) {
        if (handlerDone || interruption != null) {
            return false;
        }
        interruption = why;
        return true;
    }

    /** Interrupts the worker if the handler is still running. */
    synchronized void interruptWorker() {
        if (worker != null && !handlerDone) {
            worker.interrupt();
        }
    }

    @Override
    public String toString() {
        return "task " + task.id();
    }
}
