package dev.tempora.task;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempora.Api;
import dev.tempora.TestHandlers;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import tools.jackson.databind.JsonNode;

/** Every state of the task resource and every cancel case of the contract, over real HTTP. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Import(TestHandlers.class)
class TaskLifecycleTests {

    @LocalServerPort
    int port;

    Api api;

    @BeforeEach
    void setUp() {
        api = new Api(port);
        TestHandlers.reset();
    }

    @Test
    void delayedTaskIsScheduledThenSucceedsWithItsResult() {
        var submitted = api.post("/api/v1/tasks", """
                {"handler": "sleep", "args": {"seconds": 0.2, "result": {"answer": 42}}, "delay": 0.3,
                 "priority": 3, "labels": {"team": "billing"}}""");
        assertThat(submitted.status()).isEqualTo(201);
        var id = submitted.body().path("id").asString();
        assertThat(submitted.header("Location")).isEqualTo("/api/v1/tasks/" + id);
        assertThat(submitted.body().path("state").asString()).isEqualTo("SCHEDULED");
        assertThat(submitted.body().path("done").asBoolean()).isFalse();
        assertThat(submitted.body().path("priority").asInt()).isEqualTo(3);
        assertThat(submitted.body().path("labels").path("team").asString()).isEqualTo("billing");
        var createdAt = Instant.parse(submitted.body().path("createdAt").asString());
        var runAt = Instant.parse(submitted.body().path("runAt").asString());
        assertThat(Duration.between(createdAt, runAt)).isEqualTo(Duration.ofMillis(300));

        var done = api.await(id, Duration.ofSeconds(5));
        assertThat(done.path("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(done.path("done").asBoolean()).isTrue();
        assertThat(done.path("running").asBoolean()).isFalse();
        assertThat(done.path("cancelled").asBoolean()).isFalse();
        assertThat(done.path("result").path("answer").asInt()).isEqualTo(42);
        assertThat(done.path("attempts").asInt()).isEqualTo(1);
        var startedAt = Instant.parse(done.path("startedAt").asString());
        assertThat(startedAt).isAfterOrEqualTo(runAt);
        assertThat(Instant.parse(done.path("finishedAt").asString())).isAfter(startedAt);

        var result = api.get("/api/v1/tasks/" + id + "/result");
        assertThat(result.status()).isEqualTo(200);
        assertThat(result.text()).isEqualTo("{\"answer\":42}");
    }

    @Test
    void runningTaskReportsRunning() {
        var id = api.submit("""
                {"handler": "block", "args": {"gate": "running"}}""");
        var running = awaitState(id, "RUNNING");
        assertThat(running.path("running").asBoolean()).isTrue();
        assertThat(running.path("done").asBoolean()).isFalse();
        assertThat(running.path("startedAt").isString()).isTrue();
        TestHandlers.open("running");
        assertThat(api.await(id, Duration.ofSeconds(5)).path("result").asString())
                .isEqualTo("released");
    }

    @Test
    void dueTaskWaitingForAWorkerIsQueued() {
        var past = api.post("/api/v1/tasks", """
                {"handler": "echo", "runAt": "2020-01-01T00:00:00Z", "args": [1, 2]}""");
        assertThat(past.body().path("state").asString()).isIn("QUEUED", "RUNNING", "SUCCEEDED");
        assertThat(api.await(past.body().path("id").asString(), Duration.ofSeconds(5))
                        .path("result")
                        .toString())
                .isEqualTo("[1,2]");
    }

    @Test
    void runAtCenturiesAgoIsDueNowAndBreaksNothing() {
        var ancient = api.submit("""
                {"handler": "echo", "runAt": "0001-01-01T00:00:00Z", "args": "old"}""");
        assertThat(api.await(ancient, Duration.ofSeconds(5)).path("state").asString())
                .isEqualTo("SUCCEEDED");
        var next = api.submit("{\"handler\": \"echo\"}");
        assertThat(api.await(next, Duration.ofSeconds(5)).path("state").asString())
                .isEqualTo("SUCCEEDED");
        var lateness = api.get("/api/v1/stats").body().path("lateness");
        assertThat(lateness.path("max").asDouble())
                .as("a past runAt is not dispatch lateness")
                .isLessThan(60_000);
    }

    @Test
    void failingHandlerFailsTheTaskWithItsException() {
        var id = api.submit("""
                {"handler": "fail", "args": {"message": "boom"}}""");
        var failed = api.await(id, Duration.ofSeconds(5));
        assertThat(failed.path("state").asString()).isEqualTo("FAILED");
        assertThat(failed.path("done").asBoolean()).isTrue();
        assertThat(failed.path("exception").path("message").asString()).isEqualTo("boom");
        assertThat(failed.path("exception").path("type").asString()).isEqualTo("HandlerFailure");
        assertThat(failed.path("exception").path("stackTrace").asString()).contains("FailHandler");

        var result = api.get("/api/v1/tasks/" + id + "/result");
        assertThat(result.status()).isEqualTo(409);
        assertThat(result.contentType()).startsWith("application/problem+json");
        assertThat(result.body().path("state").asString()).isEqualTo("FAILED");
        assertThat(result.body().path("exception").path("message").asString()).isEqualTo("boom");
    }

    @Test
    void aFailureWhoseMessageHoldsANulCharacterIsStoredWithAReplacementCharacter() {
        // PostgreSQL's text cannot hold U+0000: the outcome failed to be written, and the task
        // stayed RUNNING for good.
        var id = api.submit("""
                {"handler": "fail", "args": {"message": "bad\\u0000byte"}}""");
        var failed = api.await(id, Duration.ofSeconds(5));
        assertThat(failed.path("state").asString()).isEqualTo("FAILED");
        assertThat(failed.path("exception").path("message").asString()).isEqualTo("bad\uFFFDbyte");
    }

    @Test
    void timeoutInterruptsTheHandlerAndFailsWithTimeoutException() {
        var id = api.submit("""
                {"handler": "block", "args": {"gate": "never"}, "timeout": "PT0.3S"}""");
        var failed = api.await(id, Duration.ofSeconds(5));
        assertThat(failed.path("state").asString()).isEqualTo("FAILED");
        assertThat(failed.path("exception").path("type").asString()).isEqualTo("TimeoutException");
        assertThat(failed.path("timeout").asString()).isEqualTo("PT0.3S");
        assertThat(Duration.between(
                        Instant.parse(failed.path("startedAt").asString()),
                        Instant.parse(failed.path("finishedAt").asString())))
                .isBetween(Duration.ofMillis(300), Duration.ofSeconds(3));
        awaitCondition(() -> TestHandlers.interrupted().contains(id));
    }

    @Test
    void timeoutFailsTheTaskEvenIfTheHandlerIgnoresInterrupts() {
        var id = api.submit("""
                {"handler": "stubborn", "args": {"millis": 1500}, "timeout": 0.2}""");
        // Ended at once by its timeout; ignored, the timeout would let it end SUCCEEDED after 1.5 s.
        var failed = api.await(id, Duration.ofSeconds(10));
        assertThat(failed.path("state").asString()).isEqualTo("FAILED");
        assertThat(failed.path("exception").path("type").asString()).isEqualTo("TimeoutException");
        sleep(1600);
        // What the handler returned later is discarded.
        var later = api.get("/api/v1/tasks/" + id).body();
        assertThat(later.path("state").asString()).isEqualTo("FAILED");
        assertThat(later.path("result").isNull()).isTrue();
    }

    @Test
    void cancelBeforeStartMeansItNeverRuns() {
        var id = api.submit("""
                {"handler": "record", "args": {"name": "never"}, "delay": 2}""");
        var cancelled = api.post("/api/v1/tasks/" + id + "/cancel");
        assertThat(cancelled.status()).isEqualTo(200);
        assertThat(cancelled.body().path("state").asString()).isEqualTo("CANCELLED");
        assertThat(cancelled.body().path("cancelled").asBoolean()).isTrue();
        assertThat(cancelled.body().path("done").asBoolean()).isTrue();
        sleep(2_500); // past its due time
        assertThat(TestHandlers.started()).doesNotContain("never");
        assertThat(api.get("/api/v1/tasks/" + id).body().path("attempts").asInt())
                .isZero();

        var again = api.post("/api/v1/tasks/" + id + "/cancel?mayInterruptIfRunning=true");
        assertThat(again.status()).as("cancel is idempotent").isEqualTo(200);
        var result = api.get("/api/v1/tasks/" + id + "/result");
        assertThat(result.status()).isEqualTo(409);
        assertThat(result.body().path("state").asString()).isEqualTo("CANCELLED");
    }

    @Test
    void cancelOfQueuedTaskMeansItNeverRuns() {
        int size = api.get("/api/v1/pools").body().get(0).path("size").asInt();
        try {
            api.patch("/api/v1/pools/default", "{\"size\": 1}");
            api.submit("""
                    {"handler": "block", "args": {"gate": "queued"}}""");
            awaitCondition(() -> TestHandlers.started().size() == 1);
            var id = api.submit("""
                    {"handler": "record", "args": {"name": "queued"}}""");
            assertThat(api.get("/api/v1/tasks/" + id).body().path("state").asString())
                    .isEqualTo("QUEUED");
            assertThat(api.post("/api/v1/tasks/" + id + "/cancel")
                            .body()
                            .path("state")
                            .asString())
                    .isEqualTo("CANCELLED");
            TestHandlers.open("queued");
            sleep(300);
            assertThat(TestHandlers.started()).doesNotContain("queued");
        } finally {
            api.patch("/api/v1/pools/default", "{\"size\": %d}".formatted(size));
        }
    }

    @Test
    void cancelledTasksLeaveTheirPoolsQueueAtOnce() {
        int size = api.get("/api/v1/pools").body().get(0).path("size").asInt();
        try {
            api.patch("/api/v1/pools/default", "{\"size\": 1}");
            api.submit("""
                    {"handler": "block", "args": {"gate": "withdrawn"}}""");
            awaitCondition(() -> TestHandlers.started().size() == 1);
            var waiting = new ArrayList<String>();
            for (int i = 0; i < 3; i++) {
                waiting.add(api.submit("""
                        {"handler": "record", "args": {"name": "withdrawn-%d"}}""".formatted(i)));
            }
            awaitCondition(() -> defaultPool().path("queued").asInt() == 3);
            // Due later: cancelled while the timer holds it, it must not reach the queue at its runAt.
            var later = api.submit("""
                    {"handler": "record", "args": {"name": "withdrawn-later"}, "delay": 0.3}""");
            for (var id : waiting) {
                assertThat(api.post("/api/v1/tasks/" + id + "/cancel").status()).isEqualTo(200);
            }
            assertThat(api.post("/api/v1/tasks/" + later + "/cancel").status()).isEqualTo(200);
            // Before, they stayed in the executor's queue (queued 3, then 4) until the worker was free.
            assertThat(defaultPool().path("queued").asInt()).isZero();
            sleep(800);
            assertThat(defaultPool().path("queued").asInt()).isZero();
            assertThat(api.get("/api/v1/stats")
                            .body()
                            .path("pools")
                            .get(0)
                            .path("queued")
                            .asInt())
                    .isZero();
        } finally {
            TestHandlers.open("withdrawn");
            api.patch("/api/v1/pools/default", "{\"size\": %d}".formatted(size));
        }
        assertThat(TestHandlers.started()).noneMatch(name -> name.startsWith("withdrawn-"));
    }

    private JsonNode defaultPool() {
        for (var pool : api.get("/api/v1/pools").body()) {
            if (pool.path("name").asString().equals("default")) {
                return pool;
            }
        }
        throw new AssertionError("no default pool");
    }

    @Test
    void cancelWithoutInterruptRefusesRunningTask() {
        var id = api.submit("""
                {"handler": "block", "args": {"gate": "refuse"}}""");
        awaitState(id, "RUNNING");
        var refused = api.post("/api/v1/tasks/" + id + "/cancel?mayInterruptIfRunning=false");
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.body().path("state").asString()).isEqualTo("RUNNING");
        TestHandlers.open("refuse");
        assertThat(api.await(id, Duration.ofSeconds(5)).path("state").asString())
                .isEqualTo("SUCCEEDED");
    }

    @Test
    void cancelWithInterruptStopsRunningTaskAndDiscardsItsResult() {
        var id = api.submit("""
                {"handler": "block", "args": {"gate": "interrupt"}}""");
        awaitState(id, "RUNNING");
        var cancelled = api.post("/api/v1/tasks/" + id + "/cancel?mayInterruptIfRunning=true");
        assertThat(cancelled.status()).isEqualTo(200);
        assertThat(cancelled.body().path("state").asString()).isEqualTo("CANCELLED");
        awaitCondition(() -> TestHandlers.interrupted().contains(id));
        sleep(200);
        var after = api.get("/api/v1/tasks/" + id).body();
        assertThat(after.path("state").asString()).isEqualTo("CANCELLED");
        assertThat(after.path("attempts").asInt()).isEqualTo(1);
    }

    @Test
    void cancelOfEndedTaskIsAConflict() {
        var succeeded = api.submit("{\"handler\": \"echo\"}");
        api.await(succeeded, Duration.ofSeconds(5));
        var failed = api.submit("{\"handler\": \"fail\"}");
        api.await(failed, Duration.ofSeconds(5));
        for (var id : new String[] {succeeded, failed}) {
            var refused = api.post("/api/v1/tasks/" + id + "/cancel?mayInterruptIfRunning=true");
            assertThat(refused.status()).isEqualTo(409);
            assertThat(refused.contentType()).startsWith("application/problem+json");
        }
    }

    @Test
    void cancelRacingStartHasExactlyOneWinner() throws Exception {
        try (var pool = Executors.newFixedThreadPool(2)) {
            for (int round = 0; round < 40; round++) {
                var name = "race" + round;
                var dueAt = Instant.now().plusMillis(150);
                var id = api.submit("""
                        {"handler": "record", "args": {"name": "%s"}, "runAt": "%s"}""".formatted(name, dueAt));
                var cancel = CompletableFuture.supplyAsync(
                        () -> {
                            sleepUntil(dueAt.minusNanos((long) (Math.random() * 2_000_000)));
                            return api.post("/api/v1/tasks/" + id + "/cancel");
                        },
                        pool);
                var answer = cancel.get(10, TimeUnit.SECONDS);
                var task = api.await(id, Duration.ofSeconds(5));
                boolean ran = TestHandlers.started().contains(name);
                if (answer.status() == 200) {
                    assertThat(task.path("state").asString()).isEqualTo("CANCELLED");
                    assertThat(task.path("attempts").asInt()).isZero();
                    assertThat(ran).as("a cancelled task never runs").isFalse();
                } else {
                    assertThat(answer.status()).isEqualTo(409);
                    assertThat(task.path("state").asString()).isEqualTo("SUCCEEDED");
                    assertThat(task.path("attempts").asInt()).isEqualTo(1);
                    assertThat(TestHandlers.started().stream().filter(name::equals))
                            .as("ran exactly once")
                            .hasSize(1);
                }
            }
        }
    }

    @Test
    void longPollAnswersWhenTheTaskEnds() {
        var id = api.submit("""
                {"handler": "sleep", "args": {"seconds": 0.5, "result": "late"}}""");
        long start = System.nanoTime();
        var done = api.get("/api/v1/tasks/" + id + "?wait=PT10S").body();
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        // Answered when it ended, not when the wait ran out (a poll answered at once reads RUNNING).
        assertThat(done.path("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(tookMillis).isLessThan(9_000L);
    }

    @Test
    void longPollAnswersWithCurrentStateWhenTheWaitRunsOut() {
        var id = api.submit("""
                {"handler": "echo", "delay": 3600}""");
        long start = System.nanoTime();
        var waited = api.get("/api/v1/tasks/" + id + "?wait=0.3");
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(waited.status()).isEqualTo(200);
        assertThat(waited.body().path("state").asString()).isEqualTo("SCHEDULED");
        assertThat(tookMillis).isBetween(250L, 5_000L);
        api.post("/api/v1/tasks/" + id + "/cancel");
    }

    @Test
    void resultOfUnfinishedTaskIsAcceptedWithRetryAfter() {
        var id = api.submit("""
                {"handler": "echo", "delay": 30}""");
        var pending = api.get("/api/v1/tasks/" + id + "/result?wait=PT0.1S");
        assertThat(pending.status()).isEqualTo(202);
        int retryAfter = Integer.parseInt(pending.header("Retry-After"));
        assertThat(retryAfter).isBetween(1, 60);
        // Rounded up: coming back after Retry-After is never before runAt (29.9 s used to say 29).
        assertThat(Instant.now().plusSeconds(retryAfter))
                .isAfterOrEqualTo(Instant.parse(pending.body().path("runAt").asString()));
        assertThat(pending.body().path("id").asString()).isEqualTo(id);
        api.post("/api/v1/tasks/" + id + "/cancel");
    }

    @Test
    void resultWaitsForTheValue() {
        var id = api.submit("""
                {"handler": "sleep", "args": {"seconds": 0.3, "result": null}}""");
        var result = api.get("/api/v1/tasks/" + id + "/result?wait=PT5S");
        assertThat(result.status()).isEqualTo(200);
        assertThat(result.text()).isEqualTo("null");
    }

    private JsonNode awaitState(String id, String state) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            var task = api.get("/api/v1/tasks/" + id).body();
            if (task.path("state").asString().equals(state)) {
                return task;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("task " + id + " is " + task.path("state") + ", not " + state);
            }
            sleep(10);
        }
    }

    private static void awaitCondition(java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met in time");
            }
            sleep(10);
        }
    }

    private static void sleepUntil(Instant instant) {
        long millis = Duration.between(Instant.now(), instant).toMillis();
        if (millis > 0) {
            sleep(millis);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
