package dev.tempora.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tempora.Api;
import dev.tempora.TestHandlers;
import dev.tempora.task.TaskState;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/** {@code GET /api/v1/events}: live task changes, filtered, resumable. */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"tempora.events.heartbeat=PT0.5S", "tempora.events.buffer=200"})
@Import(TestHandlers.class)
class EventStreamTests {

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    TaskEventLog events;

    Api api;
    final HttpClient http = HttpClient.newHttpClient();
    final List<CompletableFuture<?>> open = new ArrayList<>();

    static final Executor OWN_THREAD =
            reader -> Thread.ofVirtual().name("event-stream-reader").start(reader);

    @BeforeEach
    void setUp() {
        api = new Api(port);
    }

    @AfterEach
    void closeStreams() {
        open.forEach(stream -> stream.cancel(true));
        http.shutdownNow();
    }

    /** One server-sent event as read off the wire. */
    record Event(String id, String name, String data) {
        JsonNode json() {
            return Api.json(data);
        }
    }

    /** Reads a stream in the background, one event per blank line; comments are kept as name "comment". */
    List<Event> listen(String query, String lastEventId) {
        var events = new CopyOnWriteArrayList<Event>();
        var request = HttpRequest.newBuilder(api.uri("/api/v1/events" + query)).header("Accept", "text/event-stream");
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        // On a thread of its own: a plain thenAccept reads on this thread, forever, when the
        // response has arrived before it is called.
        var stream = http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofLines())
                .thenAcceptAsync(response -> read(response, events), OWN_THREAD);
        open.add(stream);
        // Connected once the greeting comment has arrived.
        await().atMost(Duration.ofSeconds(10)).until(() -> !events.isEmpty());
        return events;
    }

    /** Adds the events of {@code response} to {@code events} as they arrive, until the stream ends. */
    static void read(HttpResponse<Stream<String>> response, List<Event> events) {
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        var lines = new ArrayList<String>();
        response.body().forEach(line -> {
            if (!line.isEmpty()) {
                lines.add(line);
                return;
            }
            String id = null, name = "message", data = null;
            for (var field : lines) {
                if (field.startsWith(":")) {
                    name = "comment";
                    data = field.substring(1);
                } else if (field.startsWith("id:")) {
                    id = field.substring(3);
                } else if (field.startsWith("event:")) {
                    name = field.substring(6);
                } else if (field.startsWith("data:")) {
                    data = field.substring(5);
                }
            }
            lines.clear();
            events.add(new Event(id, name, data));
        });
    }

    static List<Event> changes(List<Event> events) {
        return events.stream().filter(event -> event.name().equals("task")).toList();
    }

    static List<String> states(List<Event> events, String taskId) {
        return changes(events).stream()
                .filter(event -> event.json().path("id").asString().equals(taskId))
                .map(event -> event.json().path("state").asString())
                .toList();
    }

    @Test
    void streamsEveryStateChangeOfATaskWithItsTags() {
        var all = listen("", null);
        var id = api.submit("{\"handler\": \"echo\", \"labels\": {\"team\": \"billing\"}}");
        await().atMost(Duration.ofSeconds(10)).until(() -> states(all, id).contains("SUCCEEDED"));
        assertThat(states(all, id)).containsExactly("QUEUED", "RUNNING", "SUCCEEDED");
        var change = changes(all).getLast().json();
        assertThat(change.path("handler").asString()).isEqualTo("echo");
        assertThat(change.path("pool").asString()).isEqualTo("default");
        assertThat(change.path("labels").path("team").asString()).isEqualTo("billing");
        // To the microsecond at most, as the task's own times and the webhook events' are.
        assertThat(change.path("at").asString()).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3,6}Z");
    }

    @Test
    void filtersByTaskHandlerAndLabel() {
        var tag = "ev-" + System.nanoTime();
        var byLabel = listen("?label=run:" + tag, null);
        var byHandler = listen("?handler=fail&label=run:" + tag, null);
        var echo = api.submit("{\"handler\": \"echo\", \"labels\": {\"run\": \"%s\"}}".formatted(tag));
        var fail = api.submit("{\"handler\": \"fail\", \"labels\": {\"run\": \"%s\"}}".formatted(tag));
        var other = api.submit("{\"handler\": \"echo\", \"delay\": 3600}");
        var byTask = listen("?task=" + other, null);
        api.post("/api/v1/tasks/" + other + "/cancel");

        await().atMost(Duration.ofSeconds(10))
                .until(() -> states(byLabel, echo).contains("SUCCEEDED")
                        && states(byLabel, fail).contains("FAILED")
                        && states(byHandler, fail).contains("FAILED")
                        && states(byTask, other).contains("CANCELLED"));
        assertThat(changes(byLabel))
                .allMatch(event ->
                        List.of(echo, fail).contains(event.json().path("id").asString()));
        assertThat(changes(byHandler))
                .allMatch(event -> event.json().path("id").asString().equals(fail));
        assertThat(states(byTask, other)).containsExactly("CANCELLED");
    }

    @Test
    void twoValuesOfOneLabelKeyMatchNothing() {
        // Repeated labels must all match, as in the task list; the last one alone counted.
        var key = "k" + System.nanoTime();
        var both = listen("?label=%s:1&label=%s:2".formatted(key, key), null);
        var reversed = listen("?label=%s:2&label=%s:1".formatted(key, key), null);
        var one = listen("?label=%s:1".formatted(key), null);
        var two = listen("?label=%s:2".formatted(key), null);
        var first = api.submit("{\"handler\": \"echo\", \"labels\": {\"%s\": \"1\"}}".formatted(key));
        var second = api.submit("{\"handler\": \"echo\", \"labels\": {\"%s\": \"2\"}}".formatted(key));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> states(one, first).contains("SUCCEEDED")
                        && states(two, second).contains("SUCCEEDED"));
        // Two heartbeats later, what those streams were sent has arrived.
        long beatsBoth = comments(both);
        long beatsReversed = comments(reversed);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> comments(both) >= beatsBoth + 2 && comments(reversed) >= beatsReversed + 2);
        assertThat(changes(both)).isEmpty();
        assertThat(changes(reversed)).isEmpty();
    }

    static long comments(List<Event> events) {
        return events.stream().filter(event -> event.name().equals("comment")).count();
    }

    @Test
    void resumesAfterLastEventIdWithoutGapsOrRepeats() {
        var tag = "resume-" + System.nanoTime();
        var first = listen("?label=run:" + tag, null);
        var a = api.submit("{\"handler\": \"echo\", \"delay\": 3600, \"labels\": {\"run\": \"%s\"}}".formatted(tag));
        await().atMost(Duration.ofSeconds(10)).until(() -> changes(first).size() == 1);
        var lastSeen = changes(first).getFirst().id();
        open.forEach(stream -> stream.cancel(true));

        // Missed while disconnected: a second submission and the cancel of the first.
        var b = api.submit("{\"handler\": \"echo\", \"delay\": 3600, \"labels\": {\"run\": \"%s\"}}".formatted(tag));
        api.post("/api/v1/tasks/" + a + "/cancel");

        var resumed = listen("?label=run:" + tag, lastSeen);
        await().atMost(Duration.ofSeconds(10)).until(() -> changes(resumed).size() == 2);
        assertThat(changes(resumed))
                .extracting(event -> event.json().path("id").asString() + " "
                        + event.json().path("state").asString())
                .containsExactly(b + " SCHEDULED", a + " CANCELLED");
        assertThat(resumed).noneMatch(event -> event.name().equals("reset"));
    }

    @Test
    void aLastEventIdBeyondTheBufferGetsAResetThenLiveChanges() {
        var stale = listen("", "not-an-event-id");
        await().atMost(Duration.ofSeconds(5))
                .until(() -> stale.stream().anyMatch(event -> event.name().equals("reset")));
        var tag = "old-" + System.nanoTime();
        var seen = listen("?label=run:" + tag, null);
        api.submit("{\"handler\": \"echo\", \"delay\": 3600, \"labels\": {\"run\": \"%s\"}}".formatted(tag));
        await().atMost(Duration.ofSeconds(10)).until(() -> changes(seen).size() == 1);
        var oldId = changes(seen).getFirst().id();
        // Not an id this stream wrote, though Long.parseLong reads its sequence: "+84" resumed as 84.
        int dash = oldId.lastIndexOf('-');
        var signed = listen("?label=run:" + tag, oldId.substring(0, dash + 1) + "+" + oldId.substring(dash + 1));
        await().atMost(Duration.ofSeconds(5))
                .until(() -> signed.stream().anyMatch(event -> event.name().equals("reset")));
        // More changes than the buffer of 200 holds push that event out.
        for (int i = 0; i < 300; i++) {
            api.submit("{\"handler\": \"echo\", \"delay\": 3600}");
        }
        var late = listen("?label=run:" + tag, oldId);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> late.stream().anyMatch(event -> event.name().equals("reset")));
    }

    @Test
    void changesWhoseTagsCouldNotBeReadAreDeliveredOnceTheyCanBe() {
        var all = listen("", null);
        // The tag lookup reads the labels table: while it is away, the lookup fails, as it does
        // while the database is unreachable. A task without labels is stored and runs meanwhile.
        jdbc.sql("alter table task_label rename to task_label_away").update();
        String id;
        try {
            id = api.submit("{\"handler\": \"echo\"}");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> TestHandlers.changes(id).contains(TaskState.SUCCEEDED));
            // Three heartbeats later the feeder has tried to deliver its changes, and failed.
            long beats = comments(all);
            await().atMost(Duration.ofSeconds(10)).until(() -> comments(all) >= beats + 3);
            assertThat(states(all, id)).isEmpty();
        } finally {
            jdbc.sql("alter table task_label_away rename to task_label").update();
        }
        // Before, the changes were dropped for every stream, without a reset.
        await().atMost(Duration.ofSeconds(10)).until(() -> states(all, id).contains("SUCCEEDED"));
        assertThat(states(all, id)).containsExactly("QUEUED", "RUNNING", "SUCCEEDED");
        assertThat(all).noneMatch(event -> event.name().equals("reset"));
    }

    @Test
    void aResumeWhoseMissedChangesCannotBeReadHoldsNoPlace() {
        var tag = "unreadable-" + System.nanoTime();
        var first = listen("?label=run:" + tag, null);
        api.submit("{\"handler\": \"echo\", \"delay\": 3600, \"labels\": {\"run\": \"%s\"}}".formatted(tag));
        await().atMost(Duration.ofSeconds(10)).until(() -> changes(first).size() == 1);
        var lastSeen = changes(first).getFirst().id();
        open.forEach(stream -> stream.cancel(true));
        // Gone once a heartbeat finds the connection closed; with no stream open, no change is tagged.
        await().atMost(Duration.ofSeconds(10)).until(() -> events.subscribers() == 0);

        jdbc.sql("alter table task_label rename to task_label_away").update();
        try {
            api.submit("{\"handler\": \"echo\", \"delay\": 3600}");
            // The missed change's tags cannot be read, so the resume fails (a 503 while the
            // database is away; a 500 here, where a table is).
            var refused = api.send(HttpRequest.newBuilder(api.uri("/api/v1/events?label=run:" + tag))
                    .header("Last-Event-ID", lastSeen));
            assertThat(refused.status()).isEqualTo(500);
            // Before, the refused stream kept its place among max-subscribers for good.
            assertThat(events.subscribers()).isZero();
        } finally {
            jdbc.sql("alter table task_label_away rename to task_label").update();
        }
    }

    @Test
    void idleStreamsGetHeartbeats() {
        var events = listen("?handler=none-such", null);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> events.stream().anyMatch(event -> "heartbeat".equals(event.data())));
    }

    @Test
    void invalidFiltersAreProblems() {
        var response = api.get("/api/v1/events?task=not-an-id");
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.errorFields()).containsExactly("task");
        assertThat(api.get("/api/v1/events?label=nocolon").errorFields()).containsExactly("label");
    }

    /**
     * A stream asked for once the log has stopped (a stop under way: the web server still takes
     * requests) is a 503 to try again, not a 500 (its writer refused it) nor a stream nobody ends,
     * which held the stop for the web server's whole 60 s.
     */
    @Test
    void aStreamAskedForWhileTheLogIsStoppedIsA503ToTryAgain() {
        events.stop();
        try {
            var response = api.get("/api/v1/events");
            assertThat(response.status()).isEqualTo(503);
            assertThat(response.body().path("type").asString()).isEqualTo("urn:tempora:problem:not-ready");
            assertThat(events.subscribers()).isZero();
        } finally {
            events.start();
        }
    }
}
