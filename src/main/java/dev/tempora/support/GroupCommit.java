package dev.tempora.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit: items queued by many threads are handed, as many as are waiting at that moment,
 * to one thread that writes each batch in one transaction. Callers learn the outcome through what
 * they put in their items (typically a future), completed by {@code writeBatch}. With a linger,
 * the thread waits that long after the first item of a batch before it takes the rest: for items
 * nobody waits for, so that a burst is written once it is over, in fewer, larger batches.
 *
 * @param <T> what is queued
 */
public final class GroupCommit<T> {

    private static final Logger log = LoggerFactory.getLogger(GroupCommit.class);

    private final String threadName;
    private final int maxBatch;
    private final Consumer<List<T>> writeBatch;
    private final long lingerNanos;
    private final LinkedBlockingQueue<T> queue = new LinkedBlockingQueue<>();
    private volatile boolean running;
    private Thread thread;

    /** {@code writeBatch} must not throw: it completes each item, exceptionally where it failed. */
    public GroupCommit(String threadName, int maxBatch, Consumer<List<T>> writeBatch) {
        this(threadName, maxBatch, Duration.ZERO, writeBatch);
    }

    /** As {@link #GroupCommit(String, int, Consumer)}, waiting {@code linger} after a batch's first item. */
    public GroupCommit(String threadName, int maxBatch, Duration linger, Consumer<List<T>> writeBatch) {
        this.threadName = threadName;
        this.maxBatch = maxBatch;
        this.lingerNanos = linger.toNanos();
        this.writeBatch = writeBatch;
    }

    public synchronized void start() {
        if (thread == null) {
            running = true;
            thread = Thread.ofPlatform().name(threadName).daemon(true).start(this::loop);
        }
    }

    /** Writes what is queued, then stops; items added afterwards are written by their caller. */
    public synchronized void stop() throws InterruptedException {
        if (thread != null) {
            running = false;
            thread.join();
            thread = null;
            var rest = new ArrayList<T>();
            queue.drainTo(rest);
            if (!rest.isEmpty()) {
                writeBatch.accept(rest);
            }
        }
    }

    /** Queues {@code item}, or writes it at once when stopped. */
    public void add(T item) {
        if (running) {
            queue.add(item);
            // Stopped meanwhile, perhaps after stop() took what was queued: whoever takes the item
            // out of the queue writes it, so it is written once.
            if (running || !queue.remove(item)) {
                return;
            }
        }
        writeBatch.accept(List.of(item));
    }

    private void loop() {
        while (running) {
            try {
                var first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first != null) {
                    if (lingerNanos > 0) {
                        LockSupport.parkNanos(lingerNanos);
                    }
                    var batch = new ArrayList<T>();
                    batch.add(first);
                    queue.drainTo(batch, maxBatch - 1);
                    writeBatch.accept(batch);
                }
            } catch (RuntimeException | Error bug) {
                // writeBatch should complete its items itself; never let one batch stop the thread,
                // on which every later item's caller would wait.
                log.error("{} failed to write a batch", threadName, bug);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
