package dev.tempora.task.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempora.Api;
import java.time.Duration;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/** {@code POST /tasks/batch}: many submissions in one request, all stored or none. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class TaskBatchSubmitTests {

    @LocalServerPort
    int port;

    Api api;

    @BeforeEach
    void setUp() {
        api = new Api(port);
    }

    @Test
    void aBatchIsStoredInTheOrderGivenAndEachTaskRunsAsIfSubmittedAlone() {
        var response = api.post("/api/v1/tasks/batch", """
                {"tasks": [
                  {"handler": "echo", "args": {"n": 0}},
                  {"handler": "echo", "args": {"n": 1}, "delay": 3600, "priority": -5, "labels": {"batch": "b1"}},
                  {"handler": "echo", "args": {"n": 2}, "runAt": "2020-01-01T00:00:00Z"}
                ]}""");
        assertThat(response.status()).as(response.text()).isEqualTo(201);
        var items = response.body().path("items");
        assertThat(items.size()).isEqualTo(3);
        for (int i = 0; i < 3; i++) {
            assertThat(items.get(i).path("args").path("n").asInt()).isEqualTo(i);
        }
        var later =
                api.get("/api/v1/tasks/" + items.get(1).path("id").asString()).body();
        assertThat(later.path("state").asString()).isEqualTo("SCHEDULED");
        assertThat(later.path("priority").asInt()).isEqualTo(-5);
        assertThat(later.path("labels").path("batch").asString()).isEqualTo("b1");
        for (int i : new int[] {0, 2}) {
            var done = api.await(items.get(i).path("id").asString(), Duration.ofSeconds(10));
            assertThat(done.path("state").asString()).as(done.toString()).isEqualTo("SUCCEEDED");
            assertThat(done.path("result").path("n").asInt()).isEqualTo(i);
        }
        api.post("/api/v1/tasks/" + items.get(1).path("id").asString() + "/cancel");
    }

    @Test
    void everyProblemOfEverySubmissionIsA400NamingItsPlaceAndNoneIsStored() {
        long before = api.storedTasks();
        var response = api.post("/api/v1/tasks/batch", """
                {"tasks": [
                  {"handler": "echo"},
                  {"handler": "nope"},
                  {"handler": "echo", "delay": -1, "runat": "now"},
                  5,
                  {"handler": "echo", "body": "a field of the http handler's args"}
                ]}""");
        assertThat(response.status()).as(response.text()).isEqualTo(400);
        assertThat(response.errorFields())
                .containsExactlyInAnyOrder(
                        "tasks[1].handler", "tasks[2].delay", "tasks[2].runat", "tasks[3]", "tasks[4].body");
        assertThat(api.storedTasks()).as("not even the valid first one").isEqualTo(before);
    }

    @Test
    void aBatchHoldsOneToAThousandSubmissionsUnderTasksAndNothingElse() {
        long before = api.storedTasks();
        assertThat(api.post("/api/v1/tasks/batch", "{}").errorFields()).containsExactly("tasks");
        assertThat(api.post("/api/v1/tasks/batch", "{\"tasks\": []}").errorFields())
                .containsExactly("tasks");
        assertThat(api.post("/api/v1/tasks/batch", "{\"tasks\": {\"handler\": \"echo\"}}")
                        .errorFields())
                .containsExactly("tasks");
        assertThat(api.post("/api/v1/tasks/batch", "[{\"handler\": \"echo\"}]").errorFields())
                .containsExactly("body");
        assertThat(api.post("/api/v1/tasks/batch", "{\"tasks\": [{\"handler\": \"echo\"}], \"atomic\": true}")
                        .errorFields())
                .containsExactly("atomic");
        assertThat(api.post("/api/v1/tasks/batch", batch(SubmitRequestParser.MAX_BATCH + 1))
                        .errorFields())
                .containsExactly("tasks");
        assertThat(api.storedTasks()).isEqualTo(before);

        var full = api.post("/api/v1/tasks/batch", batch(SubmitRequestParser.MAX_BATCH));
        assertThat(full.status()).as(full.text()).isEqualTo(201);
        assertThat(full.body().path("items").size()).isEqualTo(SubmitRequestParser.MAX_BATCH);
        assertThat(api.storedTasks()).isEqualTo(before + SubmitRequestParser.MAX_BATCH);
    }

    private static String batch(int size) {
        return IntStream.range(0, size)
                .mapToObj(i -> "{\"handler\": \"echo\", \"args\": " + i + "}")
                .collect(Collectors.joining(",", "{\"tasks\": [", "]}"));
    }

    @Test
    void theBatchPathTakesOnlyPost() {
        // GET /tasks/batch was read as GET /tasks/{id} with the id "batch": a 404 task-not-found.
        var response = api.get("/api/v1/tasks/batch");
        assertThat(response.status()).as(response.text()).isEqualTo(405);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.body().path("type").asString()).isEqualTo("urn:tempora:problem:method-not-allowed");
        assertThat(response.header("Allow").split(", *")).containsExactlyInAnyOrder("POST", "OPTIONS");
        // A task's own paths below it still take the id as an id.
        assertThat(api.get("/api/v1/tasks/batch/result").status()).isEqualTo(404);
    }

    @Test
    void optionsAndTraceOfTheBatchPathListWhatItTakes() {
        // Both listed GET and HEAD, a task's read, though a GET is a 405.
        var options = api.raw("OPTIONS", "/api/v1/tasks/batch");
        assertThat(options.status()).isEqualTo(200);
        assertThat(options.header("Allow").split(", *")).containsExactlyInAnyOrder("POST", "OPTIONS");

        var trace = api.raw("TRACE", "/api/v1/tasks/batch");
        assertThat(trace.status()).isEqualTo(405);
        assertThat(trace.header("Allow").split(", *")).containsExactlyInAnyOrder("POST", "OPTIONS");
    }
}
