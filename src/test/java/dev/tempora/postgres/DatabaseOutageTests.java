package dev.tempora.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.tempora.Api;
import dev.tempora.TemporaProcess;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The database goes away and comes back: the service keeps running, answers 503 problems and
 * reports readiness DOWN meanwhile, recovers by itself, and loses nothing it acknowledged.
 */
@Tag("postgres")
class DatabaseOutageTests {

    @TempDir
    Path dir;

    @Test
    void outageGivesServiceUnavailableAndReadinessDownThenRecoversLosingNothing() throws Exception {
        var database = PostgresDatabase.newSchema();
        try (var proxy = TcpProxy.before(database);
                var slowReceiver = new SlowReceiver()) {
            var proxied = proxy.proxied(database);
            try (var tempora = TemporaProcess.start(
                    dir,
                    "outage",
                    "--spring.datasource.url=" + proxied,
                    "--spring.datasource.hikari.maximum-pool-size=4",
                    "--management.endpoint.health.show-components=always",
                    "--management.endpoint.health.show-details=always")) {
                var api = tempora.api();
                var dueDuringOutage = api.submit("{\"handler\": \"echo\", \"args\": \"kept\", \"delay\": 3}");
                // A first read of a task, whose code is not warm yet, before one that must see a short run.
                api.get("/api/v1/tasks/" + dueDuringOutage);
                // Due while this instance, alone, still holds its lease: it starts ahead of its claim.
                var startsAheadDuringOutage =
                        api.submit("{\"handler\": \"http\", \"args\": {\"url\": \"%s\"}, \"delay\": 1.5}"
                                .formatted(slowReceiver.url()));
                var endsDuringOutage =
                        api.submit("{\"handler\": \"sleep\", \"args\": {\"seconds\": 2.5, \"result\": \"recorded\"}}");
                var timesOutDuringOutage =
                        api.submit("{\"handler\": \"sleep\", \"args\": {\"seconds\": 60}, \"timeout\": \"PT3S\"}");
                awaitState(api, endsDuringOutage, "RUNNING");
                awaitState(api, timesOutDuringOutage, "RUNNING");

                proxy.cut();
                var refused = awaitStatus(api, "/api/v1/tasks/" + dueDuringOutage, 503, Duration.ofSeconds(20));
                assertThat(refused.contentType()).startsWith("application/problem+json");
                assertThat(refused.body().path("type").asString())
                        .isEqualTo("urn:tempora:problem:database-unavailable");
                assertThat(refused.header("Retry-After")).isNotBlank();
                assertThat(api.post("/api/v1/tasks", "{\"handler\": \"echo\"}").status())
                        .isEqualTo(503);
                awaitStatus(api, "/actuator/health/readiness", 503, Duration.ofSeconds(15));
                assertThat(api.get("/actuator/health/liveness").status())
                        .as("still alive")
                        .isEqualTo(200);
                // A scrape while the database is away counts the tasks once: each of the six state
                // gauges tried again, each waiting out the pool's connection timeout, and a scrape
                // took 18 s, past Prometheus' 10 s timeout, so every series of the outage was lost.
                var scrape = api.get("/actuator/prometheus");
                assertThat(scrape.status()).isEqualTo(200);
                assertThat(scrape.text())
                        .containsPattern("tempora_queue_depth_tasks\\{[^}]*state=\"SCHEDULED\"[^}]*} NaN");
                assertThat(Pattern.compile("Could not count tasks by state")
                                .matcher(tempora.log())
                                .results()
                                .count())
                        .as("counts tried during one scrape")
                        .isOne();
                Thread.sleep(3_000); // a task falls due, and another times out, while the database is away

                proxy.restore();
                awaitStatus(api, "/actuator/health/readiness", 200, Duration.ofSeconds(30));
                var ran = api.await(dueDuringOutage, Duration.ofSeconds(20));
                assertThat(tempora.log())
                        .as("the outage's end in the log")
                        .containsPattern("Loading due tasks again, after PT[0-9.]+S of failed passes");
                assertThat(ran.path("state").asString()).isEqualTo("SUCCEEDED");
                assertThat(ran.path("result").asString()).isEqualTo("kept");
                var ended = api.await(endsDuringOutage, Duration.ofSeconds(20));
                assertThat(ended.path("state").asString())
                        .as("its outcome was kept until the database was back")
                        .isEqualTo("SUCCEEDED");
                assertThat(ended.path("result").asString()).isEqualTo("recorded");
                assertThat(ended.path("attempts").asInt()).isEqualTo(1);
                var ranAhead = api.await(startsAheadDuringOutage, Duration.ofSeconds(20));
                assertThat(ranAhead.path("state").asString()).isEqualTo("SUCCEEDED");
                assertThat(slowReceiver.calls())
                        .as("its claim was kept until the database was back, so it did not run again")
                        .isEqualTo(1);
                var timedOut = api.await(timesOutDuringOutage, Duration.ofSeconds(20));
                assertThat(timedOut.path("state").asString())
                        .as("its timeout was recorded once the database was back")
                        .isEqualTo("FAILED");
                assertThat(timedOut.path("exception").path("type").asString()).isEqualTo("TimeoutException");
                var after = api.submit("{\"handler\": \"echo\"}");
                assertThat(api.await(after, Duration.ofSeconds(10))
                                .path("state")
                                .asString())
                        .isEqualTo("SUCCEEDED");
            }
        }
    }

    /**
     * The database's host vanishes mid-statement (a crash, a failover to another address): the
     * connections in use hear nothing more, not even a reset. They used to wait forever, and stay
     * taken from the pool: with every connection taken, the instance answered {@code 503} to every
     * submission after the database was back, until a restart.
     */
    @Test
    void connectionsLeftWaitingByAVanishedHostAreGivenUpAndTheServiceRecovers() throws Exception {
        var database = PostgresDatabase.newSchema();
        try (var proxy = TcpProxy.before(database)) {
            var proxied = proxy.proxied(database);
            try (var tempora = TemporaProcess.start(
                    dir,
                    "vanished",
                    "--spring.datasource.url=" + proxied,
                    "--spring.datasource.hikari.maximum-pool-size=4",
                    "--tempora.database.socket-timeout=PT3S")) {
                var api = tempora.api();
                var submitting = new AtomicBoolean(true);
                // Keeps every connection of the pool busy, so that each is in use when the host goes.
                for (int i = 0; i < 8; i++) {
                    Thread.ofVirtual().start(() -> {
                        while (submitting.get()) {
                            api.post("/api/v1/tasks", "{\"handler\": \"echo\"}");
                        }
                    });
                }
                Thread.sleep(1_000);
                proxy.silence();
                Thread.sleep(1_000);
                proxy.restore();
                submitting.set(false);

                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                Api.Response answer;
                do {
                    Thread.sleep(200);
                    answer = api.post("/api/v1/tasks", "{\"handler\": \"echo\", \"args\": \"after\"}");
                } while (answer.status() != 201 && System.nanoTime() < deadline);
                assertThat(answer.status())
                        .as("a submission once the database is back: %s", answer.text())
                        .isEqualTo(201);
                var after = api.await(answer.body().path("id").asString(), Duration.ofSeconds(10));
                assertThat(after.path("state").asString()).isEqualTo("SUCCEEDED");
                awaitStatus(api, "/actuator/health/readiness", 200, Duration.ofSeconds(10));
            }
        }
    }

    private static void awaitState(Api api, String id, String state) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!api.get("/api/v1/tasks/" + id).body().path("state").asString().equals(state)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("task " + id + " did not become " + state);
            }
            Thread.sleep(20);
        }
    }

    private static Api.Response awaitStatus(Api api, String path, int status, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            var response = api.get(path);
            if (response.status() == status) {
                return response;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        path + " answered " + response.status() + ", not " + status + ": " + response.text());
            }
            Thread.sleep(200);
        }
    }

    /** Answers each request after 300 ms, longer than a claim lingers, and counts them. */
    private static final class SlowReceiver implements AutoCloseable {
        private final HttpServer server;
        private final AtomicInteger calls = new AtomicInteger();

        SlowReceiver() throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            server.createContext("/", exchange -> {
                calls.incrementAndGet();
                try {
                    Thread.sleep(300);
                    exchange.sendResponseHeaders(204, -1);
                } catch (InterruptedException stopping) {
                    Thread.currentThread().interrupt();
                } finally {
                    exchange.close();
                }
            });
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/ran";
        }

        int calls() {
            return calls.get();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
