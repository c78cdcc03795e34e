package dev.tempora.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tempora.Api;
import dev.tempora.TestHandlers;
import dev.tempora.task.TaskState;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.annotation.DirtiesContext;

/**
 * Once the shutdown grace is over, a worker that has claimed a task but not called its handler yet
 * (it waited for the claim) gives the task back, to run at the next start. Before, it was
 * recorded as SUCCEEDED with a null result, its handler never called; or, when the worker had
 * been interrupted meanwhile, the handler saw the interrupt and the task FAILED.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Import(TestHandlers.class)
@DirtiesContext
class ShutdownBeforeTheHandlerTests {

    @LocalServerPort
    int port;

    @Autowired
    TaskRunner runner;

    @Test
    void aRunStoppedByShutdownBeforeItsHandlerIsGivenBackNotRecorded() {
        TestHandlers.reset();
        var api = new Api(port);
        runner.interruptForShutdown(); // as at the end of the grace, with nothing running yet
        String id;
        try {
            id = api.submit("{\"handler\": \"record\", \"args\": {\"name\": \"given-back\"}}");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> Collections.indexOfSubList(
                                    TestHandlers.changes(id), List.of(TaskState.RUNNING, TaskState.SCHEDULED))
                            >= 0);
            assertThat(TestHandlers.started()).doesNotContain("given-back");
            assertThat(TestHandlers.changes(id)).doesNotContain(TaskState.SUCCEEDED, TaskState.FAILED);
        } finally {
            runner.acceptStarts();
        }
        var ended = api.await(id, Duration.ofSeconds(10));
        assertThat(ended.path("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(ended.path("result").asString()).isEqualTo("given-back");
        assertThat(TestHandlers.started()).containsOnlyOnce("given-back");
    }
}
