package dev.tempora.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempora.Api;
import java.net.http.HttpRequest;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/** ETags on what dashboards poll, and 304 for a poll that brings nothing new. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ConditionalGetTests {

    @LocalServerPort
    int port;

    Api api;

    @BeforeEach
    void setUp() {
        api = new Api(port);
    }

    @Test
    void unchangedStatsListAndQueueAnswer304UntilATaskChanges() {
        var paths = new String[] {"/api/v1/stats", "/api/v1/tasks?limit=5", "/api/v1/queue?limit=5"};
        var tags = new String[paths.length];
        for (int i = 0; i < paths.length; i++) {
            var first = api.get(paths[i]);
            assertThat(first.status()).isEqualTo(200);
            assertThat(first.header("Cache-Control")).isEqualTo("no-cache");
            tags[i] = first.header("ETag");
            assertThat(tags[i]).as(paths[i]).startsWith("W/\"");
            var again = conditional(paths[i], tags[i]);
            assertThat(again.status()).as(paths[i]).isEqualTo(304);
            assertThat(again.text()).isEmpty();
            assertThat(again.header("ETag")).isEqualTo(tags[i]);
        }

        api.submit("{\"handler\": \"echo\", \"delay\": 3600}");

        for (int i = 0; i < paths.length; i++) {
            var changed = conditional(paths[i], tags[i]);
            assertThat(changed.status()).as(paths[i]).isEqualTo(200);
            assertThat(changed.header("ETag")).as(paths[i]).isNotEqualTo(tags[i]);
        }
    }

    @Test
    void taskTagFollowsItsStateAndAnyOfSeveralTagsMatches() {
        var id = api.submit("{\"handler\": \"echo\", \"delay\": 3600}");
        var path = "/api/v1/tasks/" + id;
        var scheduled = api.get(path);
        var tag = scheduled.header("ETag");
        assertThat(tag).isNotNull();
        assertThat(conditional(path, "W/\"other\", " + tag).status()).isEqualTo(304);
        assertThat(conditional(path, "*").status()).isEqualTo(304);
        // Unrelated changes leave a single task's tag alone.
        api.submit("{\"handler\": \"echo\", \"delay\": 3600}");
        assertThat(conditional(path, tag).status()).isEqualTo(304);

        api.post(path + "/cancel");

        var cancelled = conditional(path, tag);
        assertThat(cancelled.status()).isEqualTo(200);
        assertThat(cancelled.body().path("state").asString()).isEqualTo("CANCELLED");
        assertThat(cancelled.header("ETag")).isNotEqualTo(tag);
        assertThat(conditional(path, cancelled.header("ETag")).status()).isEqualTo(304);
    }

    @Test
    void aTaskTurningDueChangesTheQueueTagWithoutAnyWrite() throws InterruptedException {
        int size = api.get("/api/v1/pools").body().get(0).path("size").asInt();
        assertThat(api.patch("/api/v1/pools/default", "{\"size\": 1}").status()).isEqualTo(200);
        try {
            // The only worker is busy: the task falls due and stays QUEUED, nothing is written.
            var busy = api.submit("{\"handler\": \"sleep\", \"args\": {\"seconds\": 5}}");
            var id = api.submit("{\"handler\": \"echo\", \"delay\": 1}");
            var before = api.get("/api/v1/queue");
            assertThat(before.body().path("items").toString()).contains("SCHEDULED");
            Thread.sleep(1500);
            var after = conditional("/api/v1/queue", before.header("ETag"));
            assertThat(after.status()).isEqualTo(200);
            assertThat(after.body().path("items").get(0).path("id").asString()).isEqualTo(id);
            assertThat(after.body().path("items").get(0).path("state").asString())
                    .isEqualTo("QUEUED");
            api.post("/api/v1/tasks/" + busy + "/cancel?mayInterruptIfRunning=true");
        } finally {
            api.patch("/api/v1/pools/default", "{\"size\": %d}".formatted(size));
        }
    }

    @Test
    void problemsAndLongPollsCarryNoTag() {
        var invalid = api.get("/api/v1/tasks?state=NOPE");
        assertThat(invalid.status()).isEqualTo(400);
        assertThat(invalid.header("ETag")).isNull();
        assertThat(api.get("/api/v1/tasks/0193a5b4-0000-7000-8000-000000000000").header("ETag"))
                .isNull();
        var id = api.submit("{\"handler\": \"echo\"}");
        api.await(id, Duration.ofSeconds(5));
        assertThat(api.get("/api/v1/tasks/" + id + "?wait=PT1S").header("ETag")).isNull();
    }

    /** A wildcard no longer answers a query before it is read: "?limit=0" with "*" was a 304. Found by review. */
    @Test
    void aWildcardMatchesAnExistingTaskButDoesNotSkipReadingAQuery() {
        assertThat(conditional("/api/v1/tasks?limit=0", "*").status()).isEqualTo(400);
        assertThat(conditional("/api/v1/queue?limit=5000", "*").status()).isEqualTo(400);
        assertThat(conditional("/api/v1/tasks?limit=1", "*").status()).isEqualTo(200);
        var id = api.submit("{\"handler\": \"echo\"}");
        api.await(id, Duration.ofSeconds(5));
        assertThat(conditional("/api/v1/tasks/" + id, "*").status()).isEqualTo(304);
    }

    private Api.Response conditional(String path, String etag) {
        return api.send(HttpRequest.newBuilder(api.uri(path))
                .header("If-None-Match", etag)
                .GET());
    }
}
