package dev.tempora.task.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempora.Api;
import dev.tempora.task.TaskId;
import java.io.ByteArrayInputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Listing for dashboards, handlers, pools, stats and the OpenAPI document. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class TaskListingTests {

    @LocalServerPort
    int port;

    Api api;

    @BeforeEach
    void setUp() {
        api = new Api(port);
    }

    @Test
    void aListPageIsGzippedForAClientThatAsksAndStillAnswers304() throws Exception {
        // A page holds whole tasks, args included: a dashboard read 85 KB/s a tab, uncompressed.
        var label = "gzip-" + System.nanoTime();
        for (int i = 0; i < 5; i++) {
            api.submit("""
                    {"handler": "echo", "delay": 3600, "args": "%s", "labels": {"run": "%s"}}""".formatted("x".repeat(2000), label));
        }
        var uri = api.uri("/api/v1/tasks?label=run:" + label);
        try (var http = HttpClient.newHttpClient()) {
            var gzipped = http.send(
                    HttpRequest.newBuilder(uri)
                            .header("Accept-Encoding", "gzip")
                            .build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(gzipped.statusCode()).isEqualTo(200);
            assertThat(gzipped.headers().firstValue("Content-Encoding")).hasValue("gzip");
            assertThat(gzipped.body().length).isLessThan(2000);
            try (var in = new GZIPInputStream(new ByteArrayInputStream(gzipped.body()))) {
                var page = JsonMapper.shared().readTree(in);
                assertThat(page.path("items").size()).isEqualTo(5);
            }
            var etag = gzipped.headers().firstValue("ETag").orElseThrow();
            var unchanged = http.send(
                    HttpRequest.newBuilder(uri)
                            .header("Accept-Encoding", "gzip")
                            .header("If-None-Match", etag)
                            .build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(unchanged.statusCode()).isEqualTo(304);
        }
        // A client that does not ask gets it as it is.
        var plain = api.get("/api/v1/tasks?label=run:" + label);
        assertThat(plain.header("Content-Encoding")).isNull();
        assertThat(plain.body().path("items").size()).isEqualTo(5);
    }

    @Test
    void listsNewestFirstWithKeysetPaginationStableWhileTasksAreAdded() {
        var label = "page-" + System.nanoTime();
        var submitted = new ArrayList<String>();
        for (int i = 0; i < 25; i++) {
            submitted.add(api.submit("""
                    {"handler": "echo", "delay": 3600, "labels": {"run": "%s"}}""".formatted(label)));
        }
        var seen = new ArrayList<String>();
        String cursor = null;
        int pages = 0;
        do {
            var page = api.get(
                            "/api/v1/tasks?limit=10&label=run:" + label + (cursor == null ? "" : "&cursor=" + cursor))
                    .body();
            page.path("items").forEach(item -> seen.add(item.path("id").asString()));
            cursor = page.path("nextCursor").isNull()
                    ? null
                    : page.path("nextCursor").asString();
            // Tasks added meanwhile are newer: they never shift the pages still to come.
            api.submit("""
                    {"handler": "echo", "delay": 3600, "labels": {"run": "%s"}}""".formatted(label));
            pages++;
        } while (cursor != null);
        assertThat(pages).isEqualTo(3);
        assertThat(seen).containsExactlyElementsOf(submitted.reversed());
    }

    @Test
    void theQueueHoldsOnlyTasksThatHaveNotStartedWhileTasksStartAndEnd() {
        // Its ids are read first, its rows after: a task that ran in between was listed as it was
        // then, RUNNING or ended (a fifth of the reads of a dashboard under load showed one). Due a
        // second or so after submission, 3,000 tasks of 5 ms go through the queue while it is read.
        // They fall due 1 ms apart, each ahead of the earlier ones by priority (due, the latest comes
        // first), and the queue lists every due one before any still ahead. (Shown as of an instant read
        // apart from the queue's, one that fell due between the two was listed SCHEDULED ahead of QUEUED
        // ones; that window is microseconds, which this catches only now and then.)
        var batch = "{\"tasks\": ["
                + IntStream.range(0, 500)
                        .mapToObj(i -> String.format(
                                        Locale.ROOT,
                                        "{\"handler\": \"sleep\", \"args\": {\"seconds\": 0.005}, \"delay\": %.3f,",
                                        1 + i / 1000.0)
                                + " \"priority\": " + (1000 - i) + "}")
                        .collect(Collectors.joining(", "))
                + "]}";
        for (int round = 0; round < 6; round++) {
            assertThat(api.post("/api/v1/tasks/batch", batch).status()).isEqualTo(201);
        }
        boolean sawThemDue = false;
        for (long deadline = System.nanoTime() + 30_000_000_000L; System.nanoTime() < deadline; ) {
            int due = 0;
            String scheduled = null;
            for (var item : api.get("/api/v1/queue?limit=1000").body().path("items")) {
                var state = item.path("state").asString();
                assertThat(state).as("%s", item).isIn("SCHEDULED", "QUEUED");
                if (state.equals("QUEUED")) {
                    assertThat(scheduled)
                            .as("a SCHEDULED task ahead of %s", item)
                            .isNull();
                    due++;
                } else if (scheduled == null) {
                    scheduled = item.toString();
                }
            }
            if (due > 0) {
                sawThemDue = true;
            } else if (sawThemDue) {
                break; // all started
            }
        }
        assertThat(sawThemDue).as("the tasks seen due in the queue").isTrue();
    }

    @Test
    void filtersByStateHandlerAndLabels() {
        var tag = "filter-" + System.nanoTime();
        var scheduled = api.submit("""
                {"handler": "echo", "delay": 3600, "labels": {"t": "%s", "kind": "a"}}""".formatted(tag));
        var succeeded = api.submit("""
                {"handler": "echo", "labels": {"t": "%s", "kind": "b"}}""".formatted(tag));
        var failed = api.submit("""
                {"handler": "fail", "labels": {"t": "%s", "kind": "a"}}""".formatted(tag));
        api.await(succeeded, Duration.ofSeconds(5));
        api.await(failed, Duration.ofSeconds(5));

        assertThat(ids("label=t:" + tag)).containsExactly(failed, succeeded, scheduled);
        assertThat(ids("label=t:" + tag + "&label=kind:a")).containsExactly(failed, scheduled);
        assertThat(ids("label=t:" + tag + "&state=SCHEDULED")).containsExactly(scheduled);
        assertThat(ids("label=t:" + tag + "&state=SUCCEEDED&state=FAILED")).containsExactly(failed, succeeded);
        assertThat(ids("label=t:" + tag + "&handler=fail")).containsExactly(failed);
        assertThat(ids("label=t:" + tag + "&state=QUEUED")).isEmpty();
        api.post("/api/v1/tasks/" + scheduled + "/cancel");
        assertThat(ids("label=t:" + tag + "&state=cancelled")).containsExactly(scheduled);
    }

    /**
     * Each filter pages newest first, whichever index leads it (a state, several states merged, the
     * handler, or the one of them with fewer tasks): the pages, walked two tasks at a time from
     * just above the tasks made here, hold exactly those of them that match, in order.
     */
    @Test
    void everyFilterPagesNewestFirstWhicheverIndexLeads() {
        var made = new ArrayList<String[]>(); // id, handler, state; oldest first
        for (int i = 0; i < 4; i++) {
            made.add(new String[] {api.submit("{\"handler\": \"echo\", \"delay\": 3600}"), "echo", "SCHEDULED"});
            var cancelled = api.submit("{\"handler\": \"echo\", \"delay\": 3600}");
            api.post("/api/v1/tasks/" + cancelled + "/cancel");
            made.add(new String[] {cancelled, "echo", "CANCELLED"});
            var failed = api.submit("{\"handler\": \"fail\"}");
            api.await(failed, Duration.ofSeconds(5));
            made.add(new String[] {failed, "fail", "FAILED"});
            var succeeded = api.submit("{\"handler\": \"echo\"}");
            api.await(succeeded, Duration.ofSeconds(5));
            made.add(new String[] {succeeded, "echo", "SUCCEEDED"});
        }
        var above = api.submit("{\"handler\": \"echo\", \"delay\": 3600}");
        var oldest = TaskId.parse(made.getFirst()[0]).orElseThrow();
        var queries = Map.<String, java.util.function.Predicate<String[]>>of(
                "", task -> true,
                "state=SCHEDULED", task -> task[2].equals("SCHEDULED"),
                "state=SCHEDULED&state=QUEUED", task -> task[2].equals("SCHEDULED"),
                "state=CANCELLED&state=SCHEDULED", task -> task[2].equals("CANCELLED") || task[2].equals("SCHEDULED"),
                "state=SUCCEEDED&state=FAILED&state=QUEUED",
                        task -> task[2].equals("SUCCEEDED") || task[2].equals("FAILED"),
                "handler=fail", task -> task[1].equals("fail"),
                "handler=echo&state=CANCELLED", task -> task[1].equals("echo") && task[2].equals("CANCELLED"),
                "handler=echo&state=FAILED&state=SUCCEEDED",
                        task -> task[1].equals("echo") && task[2].equals("SUCCEEDED"));
        var ours = new HashSet<String>();
        made.forEach(task -> ours.add(task[0]));
        queries.forEach((query, matches) -> {
            var expected = made.reversed().stream()
                    .filter(matches)
                    .map(task -> task[0])
                    .toList();
            var seen = new ArrayList<String>();
            String cursor = TaskController.Cursors.encode(TaskId.parse(above).orElseThrow());
            for (int pages = 0; cursor != null && pages < 100; pages++) {
                var page = api.get("/api/v1/tasks?limit=2&cursor=" + cursor + (query.isEmpty() ? "" : "&" + query))
                        .body();
                boolean passedOurs = false;
                for (var item : page.path("items")) {
                    var id = item.path("id").asString();
                    seen.add(id);
                    passedOurs |= TaskId.parse(id).orElseThrow().compareTo(oldest) < 0;
                }
                cursor = passedOurs || page.path("nextCursor").isNull()
                        ? null
                        : page.path("nextCursor").asString();
            }
            assertThat(seen.stream().filter(ours::contains).toList()).as(query).containsExactlyElementsOf(expected);
        });
        api.post("/api/v1/tasks/" + above + "/cancel");
        made.stream()
                .filter(task -> task[2].equals("SCHEDULED"))
                .forEach(task -> api.post("/api/v1/tasks/" + task[0] + "/cancel"));
    }

    @Test
    void twoValuesOfOneLabelKeyMatchNothing() {
        // Repeated labels must all match; a task has one value per key. The last one alone counted.
        var key = "k" + System.nanoTime();
        var three = api.submit("{\"handler\": \"echo\", \"delay\": 3600, \"labels\": {\"%s\": \"3\"}}".formatted(key));
        var four = api.submit("{\"handler\": \"echo\", \"delay\": 3600, \"labels\": {\"%s\": \"4\"}}".formatted(key));

        assertThat(ids("label=%s:3&label=%s:4".formatted(key, key))).isEmpty();
        assertThat(ids("label=%s:4&label=%s:3".formatted(key, key))).isEmpty();
        assertThat(ids("label=%s:3&label=%s:3".formatted(key, key))).containsExactly(three);
        assertThat(ids("label=%s:4".formatted(key))).containsExactly(four);
        api.post("/api/v1/tasks/" + three + "/cancel");
        api.post("/api/v1/tasks/" + four + "/cancel");
    }

    @Test
    void aLabelFilterIsTakenAsSentWithItsCommasAndSpaces() {
        // One label parameter was split at commas and trimmed, as a list of several.
        var key = "c" + System.nanoTime();
        var commas =
                api.submit("{\"handler\": \"echo\", \"delay\": 3600, \"labels\": {\"%s\": \"a,b \"}}".formatted(key));
        assertThat(ids("label=%s:a,b%%20".formatted(key))).containsExactly(commas);
        assertThat(ids("label=%s:a".formatted(key))).isEmpty();
        api.post("/api/v1/tasks/" + commas + "/cancel");
    }

    @Test
    void listsHandlers() {
        var names = new HashSet<String>();
        api.get("/api/v1/handlers").body().forEach(handler -> {
            names.add(handler.path("name").asString());
            assertThat(handler.path("description").asString()).isNotBlank();
        });
        assertThat(names).contains("sleep", "echo", "fail", "http");
    }

    @Test
    void showsAndResizesPools() {
        var pools = api.get("/api/v1/pools").body();
        var pool = pools.get(0);
        assertThat(pool.path("name").asString()).isEqualTo("default");
        assertThat(pool.path("size").asInt())
                .isEqualTo(Math.min(32, Runtime.getRuntime().availableProcessors() + 4));
        for (var field : List.of("activeThreads", "queued", "completedTasks", "largestPoolSize")) {
            assertThat(pool.has(field)).as(field).isTrue();
        }
        int original = pool.path("size").asInt();
        var resized = api.patch("/api/v1/pools/default", "{\"size\": 3}");
        assertThat(resized.status()).isEqualTo(200);
        assertThat(resized.body().path("size").asInt()).isEqualTo(3);
        assertThat(api.get("/api/v1/pools").body().get(0).path("size").asInt()).isEqualTo(3);
        api.patch("/api/v1/pools/default", "{\"size\": %d}".formatted(original));
    }

    @Test
    void statsCountTasksByStateAndReportLateness() {
        var id = api.submit("{\"handler\": \"echo\"}");
        api.await(id, Duration.ofSeconds(5));
        var stats = api.get("/api/v1/stats").body();
        for (var state : List.of("SCHEDULED", "QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED")) {
            assertThat(stats.path("tasks").path(state).isNumber()).as(state).isTrue();
        }
        assertThat(stats.path("tasks").path("SUCCEEDED").asLong()).isPositive();
        assertThat(stats.path("pools").get(0).path("name").asString()).isEqualTo("default");
        var lateness = stats.path("lateness");
        assertThat(lateness.path("count").asLong())
                .as("tasks started in the last minute")
                .isPositive();
        assertThat(lateness.path("p50").asDouble()).isNotNegative();
        assertThat(lateness.path("p99").asDouble())
                .isGreaterThanOrEqualTo(lateness.path("p50").asDouble());
        assertThat(lateness.path("max").asDouble())
                .isGreaterThanOrEqualTo(lateness.path("p99").asDouble() * 0.9);
    }

    @Test
    void openApiDocumentDescribesTheContract() {
        var doc = api.get("/v3/api-docs");
        assertThat(doc.status()).isEqualTo(200);
        assertThat(doc.body().path("openapi").asString()).startsWith("3.1");
        var paths = doc.body().path("paths");
        for (var path : List.of(
                "/api/v1/tasks",
                "/api/v1/tasks/{id}",
                "/api/v1/tasks/{id}/result",
                "/api/v1/tasks/{id}/cancel",
                "/api/v1/queue",
                "/api/v1/handlers",
                "/api/v1/pools",
                "/api/v1/pools/{name}",
                "/api/v1/stats")) {
            assertThat(paths.has(path)).as(path).isTrue();
        }
        assertThat(paths.path("/api/v1/tasks").path("post").path("requestBody").toString())
                .contains("SubmitTask");
        assertThat(api.get("/swagger-ui/index.html").status()).isEqualTo(200);
    }

    private List<String> ids(String query) {
        JsonNode page = api.get("/api/v1/tasks?" + query).body();
        var ids = new ArrayList<String>();
        page.path("items").forEach(item -> ids.add(item.path("id").asString()));
        return ids;
    }
}
