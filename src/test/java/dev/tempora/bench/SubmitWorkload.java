package dev.tempora.bench;

import dev.tempora.task.NewTask;
import dev.tempora.task.TaskService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.databind.json.JsonMapper;

/**
 * Submit rate over real HTTP on concurrent keep-alive connections, against the same submits made
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

    /**
     * Submits over HTTP for {@code warmUp} (one round at least), then {@code repetitions} pairs of
     * HTTP and in-process runs of {@code n} tasks each.
     */
    public static Result measure(TaskService tasks, int port, int n, int clients, int repetitions, Duration warmUp)
            throws Exception {
        // The request path is long (Tomcat, Spring MVC, Jackson, the transaction) and the JIT takes
        // about 100,000 requests over it on two cores: a fresh service accepted 1,700, then 4,000 for
        // a while, then 7,400 to 9,300 submits/s, rounds of 20,000 requests apart. Warmed with n / 10
        // requests, the measured runs were all of the slow kind.
        long warmUntil = System.nanoTime() + warmUp.toNanos();
        do {
            httpOnce(port, Math.max(clients, n / 10), clients, 1);
        } while (System.nanoTime() < warmUntil);
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

    /**
     * Tasks/s submitting {@code n} tasks (rounded up to whole requests), {@code perRequest} per
     * request, through {@link KeepAliveLoad}: a client light enough to leave the CPU to the server.
     */
    private static double httpOnce(int port, int n, int clients, int perRequest) {
        var one = "{\"handler\": \"echo\", \"delay\": 36000, \"args\": {\"n\": 1}}";
        var body =
                perRequest == 1 ? one : "{\"tasks\": [" + String.join(",", Collections.nCopies(perRequest, one)) + "]}";
        int requests = (n + perRequest - 1) / perRequest;
        var outcome = KeepAliveLoad.post(
                port, perRequest == 1 ? "/api/v1/tasks" : "/api/v1/tasks/batch", body, clients, requests, 201);
        if (!outcome.unexpected().isEmpty()) {
            throw new IllegalStateException("submits answered otherwise than 201, by status: " + outcome.unexpected());
        }
        return (double) requests * perRequest / (outcome.nanos() / 1e9);
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
