package dev.tempora.dispatch;

import dev.tempora.support.HostName;
import dev.tempora.task.NotReadyException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * This instance. Its id is recorded as the owner of the tasks it reserves and runs, and is renewed
 * when the instance learns it was presumed dead (a long pause): runs it started before then can no
 * longer record an outcome, since their tasks belong to whoever took them over.
 *
 * <p>It also knows, on a lease, whether it is alone in the node list ({@link NodeRegistry} renews
 * the lease at every heartbeat that finds nobody else). While it is, nobody else can cancel a task
 * it holds, so it decides cancels of those in memory and starts tasks without waiting for their
 * claims to commit. An instance that joins while others are there cancels nothing until they have
 * reported that they no longer start tasks so, and that the claims of those they did are written
 * ({@link #enterCancel}).
 */
@Component
public class Node {

    private static final Logger log = LoggerFactory.getLogger(Node.class);

    /** How often a cancel looks whether a heartbeat has renewed this instance's place in the list. */
    private static final Duration LISTED_POLL = Duration.ofMillis(10);

    /** How often a cancel looks whether the others have settled their claims ({@link #enterCancel}). */
    private static final Duration SETTLED_POLL = Duration.ofMillis(20);

    /** The most of the host name a node id holds ({@link #renew}). */
    private static final int ID_HOST_LENGTH = 50;

    private final String host;
    private final long pid = ProcessHandle.current().pid();
    private final @Nullable String processSpace = readProcessSpace();
    private volatile String id;

    /** {@link System#nanoTime} until which this instance knows it is alone: past at first. */
    private volatile long aloneUntil = System.nanoTime();

    /**
     * Whether the instances in the node list when this one joined can no longer be running tasks
     * ahead of claims not yet written, nor start more so: true at first, as nobody is there.
     */
    private volatile BooleanSupplier othersSettled = () -> true;

    /**
     * {@link System#nanoTime} until which this instance is surely in the node list: nobody removes
     * it before its last heartbeat is a node timeout old. Past at first.
     */
    private volatile long listedUntil = System.nanoTime();

    /**
     * Open once this instance has joined the node list. Its web server listens before that (Spring
     * starts it in an earlier phase than {@link NodeRegistry}), and an instance alone, which does not
     * know of this one yet, may be starting the tasks it holds ahead of their claims.
     */
    private final CountDownLatch joinedOnce = new CountDownLatch(1);

    /** Shared by each cancel from its start to its decision; taken alone to leave the node list. */
    private final ReadWriteLock membership = new ReentrantReadWriteLock();

    /** Left the node list (stopping), and not joined again since. */
    private volatile boolean left;

    Node() {
        this(HostName.local().orElse("node"));
    }

    /** An instance on {@code host}: for tests, which run two instances in one process. */
    Node(String host) {
        this.host = host;
        renew();
    }

    public String id() {
        return id;
    }

    String host() {
        return host;
    }

    long pid() {
        return pid;
    }

    /**
     * Where {@link #pid} can be looked up: the kernel's boot id and this process's pid namespace,
     * or null where they cannot be read (not Linux). Another node's pid names a process of this
     * machine only if its process space is this one.
     */
    @Nullable
    String processSpace() {
        return processSpace;
    }

    private static @Nullable String readProcessSpace() {
        try {
            var boot =
                    Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip();
            var namespace = Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString();
            return boot + " " + namespace;
        } catch (IOException | UnsupportedOperationException | SecurityException unreadable) {
            return null;
        }
    }

    /** Whether this instance is alone in the node list now, as of a lease that has not run out. */
    boolean alone() {
        return System.nanoTime() - aloneUntil < 0;
    }

    /**
     * Found alone in the node list, or not (which ends the lease at once), by a look that began at
     * {@code lookedAt} ({@link System#nanoTime}).
     */
    void foundAlone(boolean alone, long lookedAt, Duration lease) {
        aloneUntil = alone ? lookedAt + lease.toNanos() : lookedAt;
    }

    /**
     * Joined (or rejoined) the node list at {@code joinedAt}; listed for a lease at least (its
     * heartbeats then tell, {@link #listed}). {@code othersSettled} tells when those already there
     * can no longer be running tasks ahead of claims not yet written, nor start more so; it may be
     * slow (it may ask the database), and is called only until it returns true.
     */
    void joined(long joinedAt, Duration lease, BooleanSupplier othersSettled) {
        left = false;
        this.othersSettled = othersSettled;
        listedUntil = joinedAt + lease.toNanos();
        joinedOnce.countDown();
    }

    /**
     * Its heartbeat, or its row, was written by a statement sent after {@code lookedAt} ({@link
     * System#nanoTime}): nobody presumes it dead for a node timeout from then.
     */
    void listed(long lookedAt, Duration nodeTimeout) {
        listedUntil = lookedAt + nodeTimeout.toNanos();
    }

    /** Found out of the node list (its heartbeat updated no row): not listed until it has rejoined. */
    void unlisted() {
        listedUntil = System.nanoTime();
    }

    /**
     * Whether this instance is surely in the node list now. While it may not be (presumed dead
     * after a pause, or its rejoin failed), what it reserves or claims under its id is taken for
     * nobody's by the others, who may run those tasks too: it neither reserves nor claims.
     */
    boolean listedNow() {
        return System.nanoTime() - listedUntil < 0;
    }

    /**
     * Begins a cancel: waits until this instance has joined the node list, and then until the others
     * have settled: one that was alone when this one joined may be running a task whose claim has not
     * committed (the database still holds it SCHEDULED, and the cancel would win there although the
     * handler has run), or start one whose cancel it never heard of, until it reports otherwise.
     * Until {@link #exitCancel}, this instance does not leave the node list.
     *
     * @param wait the longest to wait for all that, as this instance starts or others settle
     * @throws NotReadyException when it has not joined, or the others have not settled, by then, or
     *     it has left the list (it is stopping: an instance that finds itself alone once this one has
     *     left would not hear of the cancel)
     */
    void enterCancel(Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        if (!joinedOnce.await(wait.toNanos(), TimeUnit.NANOSECONDS)) {
            throw new NotReadyException(
                    "This instance is starting and has not joined the node list yet: nothing was changed. Try again"
                            + " shortly.");
        }
        // Its last heartbeat a node timeout old (a long pause, the database away): others may have
        // presumed it dead, and one alone may be starting tasks ahead of their claims. The next
        // heartbeat tells: renewed, or rejoined under a new id, and then their reports are waited for.
        awaitUntil(
                this::listedNow,
                deadline,
                LISTED_POLL,
                "This instance has not renewed its place in the node list within the node timeout (the database"
                        + " away, or a long pause): nothing was changed. Try again shortly.");
        awaitUntil(
                () -> othersSettled.getAsBoolean(), // read anew each look: a rejoin replaces it
                deadline,
                SETTLED_POLL,
                "Another instance may still be running tasks ahead of their claims: it has not reported, since"
                        + " this one joined the node list, that their claims are written. Nothing was changed. Try"
                        + " again shortly.");
        membership.readLock().lock();
        if (left) {
            membership.readLock().unlock();
            throw new NotReadyException(
                    "This instance is stopping and has left the node list: nothing was changed. Try again on another"
                            + " instance.");
        }
    }

    /**
     * Looks every {@code poll} until {@code condition} holds; a {@link NotReadyException} saying
     * {@code refusal} if it does not by {@code deadline} ({@link System#nanoTime}).
     */
    private static void awaitUntil(BooleanSupplier condition, long deadline, Duration poll, String refusal)
            throws InterruptedException {
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline >= 0) {
                throw new NotReadyException(refusal);
            }
            TimeUnit.MILLISECONDS.sleep(poll.toMillis());
        }
    }

    /** Ends a cancel begun by {@link #enterCancel} on this thread. */
    void exitCancel() {
        membership.readLock().unlock();
    }

    /**
     * Leaving the node list: waits for the cancels under way, at most {@code wait} (one may wait for
     * a claim that will not settle now, or for a row lock), then lets no more begin.
     */
    void leave(Duration wait) {
        boolean alone;
        try {
            alone = membership.writeLock().tryLock(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            alone = false;
        }
        left = true;
        if (alone) {
            membership.writeLock().unlock();
        } else {
            log.warn("Leaving the node list while cancels are still being decided here (waited {})", wait);
        }
    }

    /**
     * A new incarnation: a new id, of at most 80 characters. It is stored where 100 fit (a task's
     * owner), with a webhook lease's {@code "/"} and counter after it; a fully qualified host name
     * may be 253 long, so only its first {@value #ID_HOST_LENGTH} characters are in it (the node list
     * keeps the whole name).
     */
    final void renew() {
        var shortHost = host.length() > ID_HOST_LENGTH ? host.substring(0, ID_HOST_LENGTH) : host;
        id = shortHost + "-" + pid + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
