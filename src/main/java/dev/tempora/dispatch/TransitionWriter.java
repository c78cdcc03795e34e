package dev.tempora.dispatch;

import dev.tempora.task.TaskCompletions;
import dev.tempora.task.TaskTransitions;
import dev.tempora.task.Transition;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Group commit for the workers' state changes: one thread applies every claim and outcome waiting
 * at that moment in one transaction, so a burst of short tasks costs a few commits instead of two
 * per task. Workers wait for their claims (a task is RUNNING before its handler runs) but not for
 * their outcomes; waiters on an outcome are signalled once it is committed.
 */
@Component
class TransitionWriter {

    private static final Logger log = LoggerFactory.getLogger(TransitionWriter.class);
    private static final int MAX_BATCH = 1000;

    private record Pending(Transition transition, CompletableFuture<Boolean> applied) {}

    private final TaskTransitions transitions;
    private final TaskCompletions completions;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private volatile boolean running;
    private Thread thread;

    TransitionWriter(TaskTransitions transitions, TaskCompletions completions) {
        this.transitions = transitions;
        this.completions = completions;
    }

    synchronized void start() {
        if (thread == null) {
            running = true;
            thread = Thread.ofPlatform().name("tempora-writer").daemon(true).start(this::loop);
        }
    }

    /** Applies what is queued, then stops. */
    synchronized void stop() throws InterruptedException {
        if (thread != null) {
            running = false;
            thread.join();
            thread = null;
            drain();
        }
    }

    /** Queues {@code transition}; the future tells whether it took effect, once committed. */
    CompletableFuture<Boolean> submit(Transition transition) {
        var pending = new Pending(transition, new CompletableFuture<>());
        if (running) {
            queue.add(pending);
        } else {
            applyBatch(List.of(pending));
        }
        return pending.applied();
    }

    private void loop() {
        while (running) {
            try {
                var first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first != null) {
                    var batch = new ArrayList<Pending>();
                    batch.add(first);
                    queue.drainTo(batch, MAX_BATCH - 1);
                    applyBatch(batch);
                }
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void drain() {
        var rest = new ArrayList<Pending>();
        queue.drainTo(rest);
        if (!rest.isEmpty()) {
            applyBatch(rest);
        }
    }

    private void applyBatch(List<Pending> batch) {
        boolean[] applied;
        try {
            applied =
                    transitions.applyAll(batch.stream().map(Pending::transition).toList());
        } catch (RuntimeException failed) {
            if (batch.size() > 1) {
                // One bad row fails the whole transaction: apply one by one to keep the rest.
                batch.forEach(pending -> applyBatch(List.of(pending)));
            } else {
                log.error(
                        "Could not record task {} as {}: {}",
                        batch.getFirst().transition().id(),
                        batch.getFirst().transition().to(),
                        failed.toString());
                batch.getFirst().applied().completeExceptionally(failed);
            }
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            var transition = batch.get(i).transition();
            if (applied[i] && transition.to().isDone()) {
                completions.signal(transition.id());
            }
            batch.get(i).applied().complete(applied[i]);
        }
    }
}
