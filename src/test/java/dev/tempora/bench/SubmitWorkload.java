package dev.tempora.bench;

import dev.tempora.task.NewTask;
import dev.tempora.task.TaskService;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.databind.json.JsonMapper;

/**
 * Submit rate over real HTTP with concurrent keep-alive clients, against the same submits made
 * in-process: what the HTTP path costs. Shared by {@link TemporaBenchmark} and the peer benchmark
 * (the peers have no HTTP API, so this workload is Tempora against itself).
 */
public final class SubmitWorkload {

    /**
     * Medians with min/max over the repetitions: one task per request, {@link #BATCH} per request
     * ({@code POST /tasks/batch}), in-process; and the one-per-request/in-process ratio paired per
     * repetition.
     */
    public record Result(Stats.Summary http, Stats.Summary httpBatched, Stats.Summary inProcess, Stats.Summary ratio) {}

    /** Tasks per request in the batched HTTP run. */
    public static final int BATCH = 100;

    private SubmitWorkload() {}

    /** One warm-up, then {@code repetitions} pairs of HTTP and in-process runs of {@code n} tasks each. */
    public static Result measure(TaskService tasks, int port, int n, int clients, int repetitions) throws Exception {
        httpOnce(port, Math.max(clients, n / 10), clients, 1);
        httpOnce(port, Math.max(clients * BATCH, n / 10), clients, BATCH);
        var http = new ArrayList<Double>();
        var batched = new ArrayList<Double>();
        var inProcess = new ArrayList<Double>();
        var ratios = new ArrayList<Double>();
        for (int r = 0; r < repetitions; r++) {
            double overHttp = httpOnce(port, n, clients, 1);
            batched.add(httpOnce(port, n, clients, BATCH));
            double direct = inProcessOnce(tasks, n, clients);
            http.add(overHttp);
            inProcess.add(direct);
            ratios.add(overHttp / direct);
        }
        return new Result(
                Stats.Summary.of(http),
                Stats.Summary.of(batched),
                Stats.Summary.of(inProcess),
                Stats.Summary.of(ratios));
    }

    /** Tasks/s submitting {@code n} tasks (rounded up to whole requests), {@code perRequest} per request. */
    private static double httpOnce(int port, int n, int clients, int perRequest) throws Exception {
        var client =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        var one = "{\"handler\": \"echo\", \"delay\": 36000, \"args\": {\"n\": 1}}";
        var uri = URI.create("http://127.0.0.1:" + port + (perRequest == 1 ? "/api/v1/tasks" : "/api/v1/tasks/batch"));
        var body =
                perRequest == 1 ? one : "{\"tasks\": [" + String.join(",", Collections.nCopies(perRequest, one)) + "]}";
        var next = new AtomicInteger();
        var failures = new AtomicInteger();
        long start = System.nanoTime();
        try (var pool = Executors.newFixedThreadPool(clients)) {
            for (int c = 0; c < clients; c++) {
                pool.submit(() -> {
                    while (next.getAndAdd(perRequest) < n) {
                        var response = client.send(
                                HttpRequest.newBuilder(uri)
                                        .header("Content-Type", "application/json")
                                        .POST(HttpRequest.BodyPublishers.ofString(body))
                                        .build(),
                                HttpResponse.BodyHandlers.discarding());
                        if (response.statusCode() != 201) {
                            failures.incrementAndGet();
                        }
                    }
                    return null;
                });
            }
        }
        if (failures.get() > 0) {
            throw new IllegalStateException(failures.get() + " submits failed");
        }
        int requests = (n + perRequest - 1) / perRequest;
        return (double) requests * perRequest / ((System.nanoTime() - start) / 1e9);
    }

    private static double inProcessOnce(TaskService tasks, int n, int clients) throws Exception {
        var next = new AtomicInteger();
        var json = JsonMapper.builder().build();
        long start = System.nanoTime();
        try (var pool = Executors.newFixedThreadPool(clients)) {
            for (int c = 0; c < clients; c++) {
                pool.submit(() -> {
                    while (next.getAndIncrement() < n) {
                        // Serialised here as the HTTP path parses it there: the same work on both sides.
                        var args = json.writeValueAsString(Map.of("n", 1));
                        tasks.submit(new NewTask(
                                "echo", args, Duration.ofHours(10), null, 0, null, null, "default", Map.of()));
                    }
                    return null;
                });
            }
        }
        return n / ((System.nanoTime() - start) / 1e9);
    }
}
