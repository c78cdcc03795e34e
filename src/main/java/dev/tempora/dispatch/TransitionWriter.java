package dev.tempora.dispatch;

import dev.tempora.support.GroupCommit;
import dev.tempora.task.TaskCompletions;
import dev.tempora.task.TaskTransitions;
import dev.tempora.task.Transition;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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
    private final GroupCommit<Pending> commits = new GroupCommit<>("tempora-writer", MAX_BATCH, this::applyBatch);

    TransitionWriter(TaskTransitions transitions, TaskCompletions completions) {
        this.transitions = transitions;
        this.completions = completions;
    }

    void start() {
        commits.start();
    }

    /** Applies what is queued, then stops. */
    void stop() throws InterruptedException {
        commits.stop();
    }

    /** Queues {@code transition}; the future tells whether it took effect, once committed. */
    CompletableFuture<Boolean> submit(Transition transition) {
        var pending = new Pending(transition, new CompletableFuture<>());
        commits.add(pending);
        return pending.applied();
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
