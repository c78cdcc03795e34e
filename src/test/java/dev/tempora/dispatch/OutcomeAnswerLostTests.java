package dev.tempora.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tempora.Api;
import dev.tempora.InterceptedConnections;
import dev.tempora.TestHandlers;
import dev.tempora.task.TaskState;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * A task's outcome commits while its answer is lost (the connection drops between the commit and
 * its reply). The writer retries it, and the retry finds the task already ended: it used to take
 * that for a task someone else had ended, so the end was never told: no event on the streams, and
 * no wake-up for the long polls waiting on it. The writer now reads the task back, and tells the
 * end it finds there as its own. A cancel whose answer is lost so is read back the same way: it
 * used to answer 503 outcome-unknown, and a retry found the task CANCELLED and told nothing.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Import({TestHandlers.class, OutcomeAnswerLostTests.LosingOutcomeAnswer.class})
class OutcomeAnswerLostTests {

    static final String OUTCOME = "update task set state = 'SUCCEEDED'";

    static final String CANCEL = "update task set state = 'CANCELLED'";

    static final AtomicBoolean loseNextOutcomeAnswer = new AtomicBoolean();

    static final AtomicBoolean loseNextCancelAnswer = new AtomicBoolean();

    @LocalServerPort
    int port;

    @Test
    void anOutcomeWhoseCommitsAnswerWasLostIsToldOnceItsRetryFindsItWritten() {
        TestHandlers.reset();
        var api = new Api(port);
        loseNextOutcomeAnswer.set(true);

        var id = api.submit("{\"handler\": \"echo\", \"args\": \"told\"}");

        var task = api.await(id, Duration.ofSeconds(10));
        assertThat(loseNextOutcomeAnswer).as("the fault was injected").isFalse();
        assertThat(task.path("state").asString()).isEqualTo("SUCCEEDED");
        await().atMost(Duration.ofSeconds(5))
                .until(() -> TestHandlers.changes(id).contains(TaskState.SUCCEEDED));
    }

    @Test
    void aCancelWhoseCommitsAnswerWasLostIsAnsweredAndToldAsMade() {
        TestHandlers.reset();
        var api = new Api(port);
        var id = api.submit("{\"handler\": \"echo\", \"args\": \"never\", \"delay\": 3600}");
        loseNextCancelAnswer.set(true);

        var cancelled = api.post("/api/v1/tasks/" + id + "/cancel");

        assertThat(loseNextCancelAnswer).as("the fault was injected").isFalse();
        assertThat(cancelled.status()).as(cancelled.text()).isEqualTo(200);
        assertThat(cancelled.body().path("state").asString()).isEqualTo("CANCELLED");
        assertThat(TestHandlers.changes(id)).contains(TaskState.CANCELLED);
    }

    @TestConfiguration
    static class LosingOutcomeAnswer {

        /** The true edge, faked: the connection lost between an outcome's or a cancel's commit and its reply. */
        @Bean
        static BeanPostProcessor losingOutcomeAnswer() {
            return InterceptedConnections.with(() -> {
                // The fault armed for what this transaction wrote: an outcome's or a cancel's.
                var armed = new AtomicBoolean[1];
                return (connection, method, args) -> {
                    if (InterceptedConnections.prepares(method, args, OUTCOME)) {
                        armed[0] = loseNextOutcomeAnswer;
                    } else if (InterceptedConnections.prepares(method, args, CANCEL)) {
                        armed[0] = loseNextCancelAnswer;
                    } else if (method.getName().equals("commit")
                            && armed[0] != null
                            && armed[0].compareAndSet(true, false)) {
                        armed[0] = null;
                        connection.commit();
                        throw new SQLException("An I/O error occurred while sending to the backend.", "08006");
                    } else if (method.getName().equals("commit")
                            || method.getName().equals("rollback")) {
                        armed[0] = null;
                    }
                    return InterceptedConnections.proceed(connection, method, args);
                };
            });
        }
    }
}
