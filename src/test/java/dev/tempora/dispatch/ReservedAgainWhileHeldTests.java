package dev.tempora.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tempora.TestHandlers;
import dev.tempora.task.NewTask;
import dev.tempora.task.TaskId;
import dev.tempora.task.TaskService;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A task submitted here is reserved under this instance's id of that moment. Presumed dead and
 * rejoined under a new id before the task is due, the instance starts it ahead of its claim (alone)
 * under the new id, and the claim is refused: the row is reserved for the old one. While the run
 * goes on, this instance's loader takes the old id's reservation as nobody's and reserves the task
 * under the new id, but cannot hold it: the run still does. The run's end then forgot the task, and
 * it stayed SCHEDULED, reserved for this live instance and held by nobody, for as long as it lived:
 * what {@link RejoinTests}' stream of rejoins stranded in some runs. Here the loader passes only
 * when asked, so the order is certain.
 */
@SpringBootTest(
        properties = {
            "tempora.dispatch.load-interval=PT1H",
            // The first pass's window covers the task: it is reserved on submit, as under a stream.
            "tempora.dispatch.look-ahead=PT1H"
        })
@Import(TestHandlers.class)
class ReservedAgainWhileHeldTests {

    @Autowired
    Node node;

    @Autowired
    TaskService tasks;

    @Autowired
    TaskTracker tracker;

    @Autowired
    Loader loader;

    @Autowired
    JdbcClient jdbc;

    @Test
    void aTaskReservedAgainByThisInstanceWhileItsRefusedRunWentOnRunsAgain() {
        await().atMost(Duration.ofSeconds(10)).until(node::alone);
        var id = tasks.submit(new NewTask(
                        "block",
                        "{\"gate\": \"reserved-again\"}",
                        Duration.ofSeconds(2),
                        null,
                        0,
                        null,
                        null,
                        "default",
                        Map.of(),
                        Set.of()))
                .getId();
        assertThat(owner(id)).as("reserved on submit").isEqualTo(node.id());
        // As the id this instance had before it was presumed dead: no longer in the node list.
        jdbc.sql("update task set owner = 'presumed-dead' where id = :id")
                .param("id", id)
                .update();

        await().atMost(Duration.ofSeconds(10))
                .until(() -> TestHandlers.started().contains(id.toString()));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> tracker.startedAhead(new TaskId(id)).isEmpty());
        assertThat(owner(id)).as("the claim was refused").isEqualTo("presumed-dead");
        assertThat(tracker.holds(new TaskId(id))).as("held by its run").isTrue();

        loader.requestLoad();
        await().atMost(Duration.ofSeconds(10)).until(() -> node.id().equals(owner(id)));
        TestHandlers.open("reserved-again");

        await().atMost(Duration.ofSeconds(10)).until(() -> {
            loader.requestLoad();
            return state(id).equals("SUCCEEDED");
        });
    }

    private String owner(UUID id) {
        return jdbc.sql("select owner from task where id = :id")
                .param("id", id)
                .query(String.class)
                .single();
    }

    private String state(UUID id) {
        return jdbc.sql("select state from task where id = :id")
                .param("id", id)
                .query(String.class)
                .single();
    }
}
