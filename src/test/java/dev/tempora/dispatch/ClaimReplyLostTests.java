package dev.tempora.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempora.Api;
import dev.tempora.task.TaskState;
import dev.tempora.task.Transition;
import dev.tempora.task.TransitionHook;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * A claim that commits while its worker is told it failed (the connection drops between the commit
 * and its answer) leaves a RUNNING row that no worker runs. The node gives it back, and the task
 * runs after all, instead of staying RUNNING until the node restarts.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ClaimReplyLostTests {

    /** Once armed, the next claim of a task whose callback hears of its start commits, then reports a lost connection. */
    static final AtomicBoolean loseNextClaimReply = new AtomicBoolean();

    @LocalServerPort
    int port;

    @Test
    void aTaskWhoseClaimCommittedButWhoseReplyWasLostRunsAfterAll() {
        var api = new Api(port);
        loseNextClaimReply.set(true);

        // A callback listening for the start makes the claim go through the hooks (its delivery,
        // to a port nobody listens on, fails and is retried later, which does not matter here).
        var id = api.submit("""
                {"handler": "echo", "args": "ran", "callbackUrl": "http://127.0.0.1:9/never",
                 "callbackEvents": ["task.started"]}""");

        var task = api.await(id, Duration.ofSeconds(20));
        assertThat(loseNextClaimReply).as("the fault was injected").isFalse();
        assertThat(task.path("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(task.path("result").asString()).isEqualTo("ran");
        assertThat(task.path("attempts").asInt())
                .as("the lost claim counts as an attempt")
                .isEqualTo(2);
    }

    @TestConfiguration
    static class LostReply {

        @Bean
        TransitionHook loseClaimReply() {
            return (List<Transition> applied) -> {
                if (applied.stream().anyMatch(transition -> transition.to() == TaskState.RUNNING)
                        && loseNextClaimReply.compareAndSet(true, false)) {
                    TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                        @Override
                        public void afterCommit() {
                            throw new DataAccessResourceFailureException(
                                    "connection lost after COMMIT",
                                    new SQLTransientConnectionException("I/O error", "08006"));
                        }
                    });
                }
            };
        }
    }
}
