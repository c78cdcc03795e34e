package dev.tempora.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempora.Api;
import dev.tempora.postgres.PostgresDatabase;
import dev.tempora.task.TaskId;
import dev.tempora.task.TaskService;
import dev.tempora.task.TaskSubmitted;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;

/**
 * The application stopped and started again in one process ({@code Lifecycle} stop and start, as
 * for a checkpoint and restore): the tasks this instance had reserved but not started when it
 * stopped are run after the start. Stopping leaves them SCHEDULED and reserved for the node id,
 * which counts as no reservation once the node has left the node list; if the instance came back
 * under the same id, they would count as its own again, held by nobody, until the process ended.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"tempora.pools.default.size=1", "tempora.dispatch.shutdown-grace=PT10S"})
@DirtiesContext
class RestartInPlaceTests {

    @LocalServerPort
    int port;

    @Autowired
    ConfigurableApplicationContext context;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    Node node;

    @Autowired
    Dispatcher dispatcher;

    @Autowired
    TaskService tasks;

    @Test
    void tasksWaitingWhenTheInstanceStoppedRunOnceItHasStartedAgain() throws InterruptedException {
        var api = new Api(port);
        // 5 s: long enough to be seen RUNNING on a loaded machine, within the 10 s grace of the stop.
        var sleeping = api.submit("{\"handler\": \"sleep\", \"args\": {\"seconds\": 5}}");
        var waiting = new ArrayList<String>();
        for (int i = 0; i < 3; i++) {
            waiting.add(api.submit("{\"handler\": \"echo\", \"args\": " + i + "}"));
        }
        // As clients see it: an instance alone starts a task before its claim is stored. Running, it
        // holds the one worker, so the others wait in the pool's queue as the stop begins.
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (List.of("SCHEDULED", "QUEUED").contains(apiState(api, sleeping)) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(apiState(api, sleeping))
                .as("the sleeping task, before the stop")
                .isEqualTo("RUNNING");
        var before = node.id();

        context.stop();
        assertThat(waiting)
                .as("left waiting")
                .allSatisfy(id -> assertThat(state(id)).isEqualTo("SCHEDULED"));
        if (PostgresDatabase.selected()) {
            // Waiting in the pool's queue behind the sleeping task, they were handed back for other
            // instances as the stop began.
            assertThat(waiting)
                    .as("handed back")
                    .allSatisfy(id -> assertThat(owned(id)).isFalse());
            // A submission reserved for this node as the stop began, told of once it had stopped: it
            // stayed reserved for a node that starts nothing until that node left the node list.
            var late = waiting.getFirst();
            jdbc.sql("update task set owner = :owner where id = :id")
                    .param("owner", node.id())
                    .param("id", UUID.fromString(late))
                    .update();
            dispatcher.submitted(new TaskSubmitted(
                    tasks.get(TaskId.parse(late).orElseThrow()).toDueTask(), node.id()));
            long handedBack = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (owned(late) && System.nanoTime() < handedBack) {
                Thread.sleep(20);
            }
            assertThat(owned(late)).as("told of after the stop, handed back").isFalse();
        }
        context.start();

        awaitState(waiting, "SUCCEEDED", Duration.ofSeconds(10));
        assertThat(state(sleeping)).isEqualTo("SUCCEEDED");
        assertThat(node.id()).as("a new incarnation").isNotEqualTo(before);
    }

    private static String apiState(Api api, String id) {
        return api.get("/api/v1/tasks/" + id).body().path("state").asString();
    }

    private void awaitState(List<String> ids, String expected, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!ids.stream().allMatch(id -> expected.equals(state(id))) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(ids).allSatisfy(id -> assertThat(state(id)).isEqualTo(expected));
    }

    private boolean owned(String id) {
        return jdbc.sql("select owner is not null from task where id = :id")
                .param("id", UUID.fromString(id))
                .query(Boolean.class)
                .single();
    }

    private String state(String id) {
        return jdbc.sql("select state from task where id = :id")
                .param("id", UUID.fromString(id))
                .query(String.class)
                .single();
    }
}
