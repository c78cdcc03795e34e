package dev.tempora.bench;

import static dev.tempora.bench.Stats.fmt;

import dev.tempora.TemporaApplication;
import dev.tempora.task.NewTask;
import dev.tempora.task.TaskService;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * Tempora's own benchmark: durable throughput, dispatch lateness against a bare
 * {@link ScheduledThreadPoolExecutor}, submit over HTTP against in-process submit, and a million
 * tasks scheduled hours ahead. Every workload is bounded and stops by itself.
 *
 * <p>Run: {@code ./mvnw -q -Pbench verify} (see README); options as {@code -Dbench.args="--repetitions=3"}.
 */
public final class TemporaBenchmark {

    /** What to run; {@link #smoke()} is small enough for a test. */
    public record Config(
            int repetitions,
            int throughputTasks,
            int latenessSeconds,
            int latenessPerSecond,
            int httpTasks,
            int httpClients,
            Duration httpWarmUp,
            int futureTasks,
            Path output) {

        static Config defaults() {
            return new Config(
                    3,
                    50_000,
                    10,
                    1000,
                    20_000,
                    16,
                    Duration.ofSeconds(40),
                    1_000_000,
                    Path.of("target/bench/tempora.json"));
        }

        public static Config smoke(Path output) {
            return new Config(1, 200, 1, 100, 100, 2, Duration.ZERO, 1_000, output);
        }

        /** The same with the command-line option {@code --name=value} applied. */
        Config with(String name, String value) {
            return switch (name) {
                case "repetitions" -> copy(Integer.parseInt(value), throughputTasks, futureTasks, output);
                case "throughput-tasks" -> copy(repetitions, Integer.parseInt(value), futureTasks, output);
                case "future-tasks" -> copy(repetitions, throughputTasks, Integer.parseInt(value), output);
                case "output" -> copy(repetitions, throughputTasks, futureTasks, Path.of(value));
                default -> throw new IllegalArgumentException("unknown option --" + name);
            };
        }

        private Config copy(int repetitions, int throughputTasks, int futureTasks, Path output) {
            return new Config(
                    repetitions,
                    throughputTasks,
                    latenessSeconds,
                    latenessPerSecond,
                    httpTasks,
                    httpClients,
                    httpWarmUp,
                    futureTasks,
                    output);
        }
    }

    /** The rate of the steady webhook run: well below what one instance delivers. */
    private static final int STEADY_WEBHOOKS_PER_S = 200;

    private final Config config;
    private final Map<String, Object> results = new LinkedHashMap<>();
    private final List<String> table = new ArrayList<>();
    private ConfigurableApplicationContext tempora;
    private TaskService tasks;
    private JdbcClient jdbc;
    private int port;

    private TemporaBenchmark(Config config) {
        this.config = config;
    }

    /** Workloads to run: all, unless {@code --only=a,b} names some. */
    private static java.util.Set<String> only = java.util.Set.of();

    public static void main(String[] args) throws Exception {
        var config = Config.defaults();
        for (var arg : args) {
            if (arg.startsWith("--h2-settings=")) {
                // e.g. --h2-settings=";DB_CLOSE_ON_EXIT=FALSE" to measure without WRITE_DELAY=0
                System.setProperty("bench.h2", arg.substring("--h2-settings=".length()));
                continue;
            }
            if (arg.startsWith("--only=")) {
                only = java.util.Set.of(arg.substring("--only=".length()).split(","));
                continue;
            }
            var kv = arg.replaceFirst("^--", "").split("=", 2);
            config = config.with(kv[0], kv.length > 1 ? kv[1] : "");
        }
        run(config);
        System.exit(0);
    }

    /** Runs every workload, prints a Markdown table, writes the JSON file; returns the figures. */
    public static Map<String, Object> run(Config config) throws Exception {
        var bench = new TemporaBenchmark(config);
        try {
            bench.start();
            if (selected("throughput")) {
                bench.throughput();
            }
            if (selected("lateness")) {
                bench.lateness("lateness", config.latenessSeconds());
            }
            if (selected("submit")) {
                bench.submit();
            }
            if (selected("webhooks")) {
                bench.webhooks();
            }
            if (selected("future")) {
                bench.future();
            }
        } finally {
            bench.stop();
        }
        bench.report();
        return bench.results;
    }

    private static boolean selected(String workload) {
        return only.isEmpty() || only.contains(workload);
    }

    private void start() throws IOException {
        var dir = Files.createTempDirectory("tempora-bench");
        // As command-line arguments, not builder properties (the lowest precedence): they must win
        // over the test classpath's config/application.properties, which points at an in-memory H2.
        tempora = new SpringApplicationBuilder(TemporaApplication.class)
                .run(
                        "--server.port=0",
                        "--spring.main.banner-mode=off",
                        "--logging.level.root=WARN",
                        "--logging.level.dev.tempora=WARN",
                        "--spring.datasource.url=jdbc:h2:retry:" + dir.resolve("tempora") + ""
                                + System.getProperty("bench.h2", ";DB_CLOSE_ON_EXIT=FALSE"));
        tasks = tempora.getBean(TaskService.class);
        jdbc = tempora.getBean(JdbcClient.class);
        port = Integer.parseInt(tempora.getEnvironment().getProperty("local.server.port"));
        results.put("machine", machine());
        results.put("date", Instant.now().toString());
    }

    private void stop() {
        if (tempora != null) {
            tempora.close();
        }
    }

    /** Durable throughput: N zero-work tasks due now, first submit to last completion. */
    private void throughput() throws InterruptedException {
        int n = config.throughputTasks();
        run("warm-up", () -> throughputOnce(Math.max(100, n / 10)));
        var runs = new ArrayList<Double>();
        for (int r = 0; r < config.repetitions(); r++) {
            runs.add(throughputOnce(n));
        }
        var summary = Stats.Summary.of(runs);
        results.put("throughput_tasks_per_s", summary);
        table.add("| Durable throughput, %,d zero-work tasks due now (H2 file, in-process) | %s tasks/s |"
                .formatted(n, summary));
    }

    private double throughputOnce(int n) throws InterruptedException {
        var label = UUID.randomUUID().toString();
        var batch = new ArrayList<NewTask>();
        long start = System.nanoTime();
        var startedAt = Instant.now();
        for (int i = 0; i < n; i++) {
            batch.add(new NewTask("echo", null, null, null, 0, null, null, "default", Map.of("bench", label)));
            if (batch.size() == 500 || i == n - 1) {
                tasks.submitAll(batch);
                batch.clear();
            }
        }
        awaitDone(label, n, Duration.ofMinutes(5));
        var last = jdbc.sql("select max(t.finished_at) from task t join task_label l on l.task_id = t.id"
                        + " where l.label_key = 'bench' and l.label_value = :label")
                .param("label", label)
                .query(OffsetDateTime.class)
                .single()
                .toInstant();
        long nanos = Math.max(System.nanoTime() - start, 1);
        double seconds = Math.min(nanos / 1e9, Duration.between(startedAt, last).toNanos() / 1e9 + 0.0005);
        return n / seconds;
    }

    private void awaitDone(String label, int n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            long done = jdbc.sql("select count(*) from task t join task_label l on l.task_id = t.id"
                            + " where l.label_key = 'bench' and l.label_value = :label and t.state = 'SUCCEEDED'")
                    .param("label", label)
                    .query(Long.class)
                    .single();
            if (done >= n) {
                return;
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("tasks did not finish within " + timeout);
    }

    /**
     * Dispatch lateness under a steady load: every 100 ms a group of tasks due 100 ms later; start
     * minus runAt from the database. Then the same schedule on a bare ScheduledThreadPoolExecutor.
     */
    private void lateness(String key, int seconds) throws Exception {
        int perGroup = Math.max(1, config.latenessPerSecond() / 10);
        int groups = seconds * 10;
        var runs = new ArrayList<double[]>();
        var baselines = new ArrayList<double[]>();
        for (int r = 0; r < config.repetitions(); r++) {
            runs.add(temporaLateness(groups, perGroup));
            baselines.add(baselineLateness(groups, perGroup));
        }
        var summary = new LinkedHashMap<String, Object>();
        for (var p : List.of("p50", "p99", "max")) {
            double q = p.equals("p50") ? 50 : p.equals("p99") ? 99 : 100;
            var tempora = runs.stream().map(s -> Stats.percentile(s, q)).toList();
            var bare = baselines.stream().map(s -> Stats.percentile(s, q)).toList();
            var ratios = new ArrayList<Double>();
            for (int i = 0; i < tempora.size(); i++) {
                ratios.add(tempora.get(i) / Math.max(bare.get(i), 0.001));
            }
            summary.put(p + "_ms", Stats.Summary.of(tempora));
            summary.put("baseline_" + p + "_ms", Stats.Summary.of(bare));
            summary.put("ratio_" + p, Stats.Summary.of(ratios));
            table.add("| %s %s, %d tasks/s for %d s (ms) | Tempora %s | bare STPE %s | ratio %s |"
                    .formatted(
                            key,
                            p,
                            config.latenessPerSecond(),
                            seconds,
                            Stats.Summary.of(tempora),
                            Stats.Summary.of(bare),
                            Stats.Summary.of(ratios)));
        }
        results.put(key, summary);
    }

    private double[] temporaLateness(int groups, int perGroup) throws Exception {
        var label = UUID.randomUUID().toString();
        var ticker = Executors.newSingleThreadScheduledExecutor();
        var submitted = new CountDownLatch(groups);
        long startNanos = System.nanoTime() + 50_000_000;
        for (int g = 0; g < groups; g++) {
            long at = startNanos + g * 100_000_000L;
            ticker.schedule(
                    () -> {
                        var runAt = Instant.now().plusMillis(100).truncatedTo(ChronoUnit.MICROS);
                        var batch = new ArrayList<NewTask>(perGroup);
                        for (int i = 0; i < perGroup; i++) {
                            batch.add(new NewTask(
                                    "echo", null, null, runAt, 0, null, null, "default", Map.of("bench", label)));
                        }
                        tasks.submitAll(batch);
                        submitted.countDown();
                    },
                    at - System.nanoTime(),
                    TimeUnit.NANOSECONDS);
        }
        submitted.await();
        ticker.shutdown();
        awaitDone(label, groups * perGroup, Duration.ofMinutes(2));
        return Stats.sorted(jdbc
                .sql("select t.run_at, t.started_at from task t join task_label l on l.task_id = t.id"
                        + " where l.label_key = 'bench' and l.label_value = :label")
                .param("label", label)
                .query((row, i) ->
                        Duration.between(row.getObject(1, OffsetDateTime.class), row.getObject(2, OffsetDateTime.class))
                                        .toNanos()
                                / 1e6)
                .list()
                .stream()
                .mapToDouble(Double::doubleValue)
                .toArray());
    }

    /** The same schedule on a bare ScheduledThreadPoolExecutor with as many threads as the pool. */
    private double[] baselineLateness(int groups, int perGroup) throws InterruptedException {
        int threads = Math.min(32, Runtime.getRuntime().availableProcessors() + 4);
        var executor = new ScheduledThreadPoolExecutor(threads);
        var ticker = Executors.newSingleThreadScheduledExecutor();
        var lateness = new double[groups * perGroup];
        var index = new AtomicInteger();
        var done = new CountDownLatch(groups * perGroup);
        long startNanos = System.nanoTime() + 50_000_000;
        for (int g = 0; g < groups; g++) {
            long at = startNanos + g * 100_000_000L;
            ticker.schedule(
                    () -> {
                        long due = System.nanoTime() + 100_000_000L;
                        for (int i = 0; i < perGroup; i++) {
                            executor.schedule(
                                    () -> {
                                        lateness[index.getAndIncrement()] = (System.nanoTime() - due) / 1e6;
                                        done.countDown();
                                    },
                                    due - System.nanoTime(),
                                    TimeUnit.NANOSECONDS);
                        }
                    },
                    at - System.nanoTime(),
                    TimeUnit.NANOSECONDS);
        }
        done.await(2, TimeUnit.MINUTES);
        ticker.shutdown();
        executor.shutdown();
        return Stats.sorted(lateness);
    }

    /** Submit rate over real HTTP on concurrent keep-alive connections, against the in-process call. */
    private void submit() throws Exception {
        int n = config.httpTasks();
        int clients = config.httpClients();
        var result = SubmitWorkload.measure(tasks, port, n, clients, config.repetitions(), config.httpWarmUp());
        results.put("submit_http_tasks_per_s", result.http());
        results.put("submit_http_batch_tasks_per_s", result.httpBatched());
        results.put("submit_in_process_tasks_per_s", result.inProcess());
        results.put("submit_http_over_in_process", result.ratio());
        table.add("| Submit over HTTP, %d keep-alive connections, %,d tasks | %s tasks/s | in-process %s | ratio %s |"
                .formatted(clients, n, result.http(), result.inProcess(), result.ratio()));
        table.add(
                "| Submit over HTTP in batches of %d (`POST /tasks/batch`), %d connections, %,d tasks | %s tasks/s | | |"
                        .formatted(SubmitWorkload.BATCH, clients, n, result.httpBatched()));
    }

    /**
     * Webhooks to a local receiver: deliveries/s and task end to first attempt (p50/p99); then task
     * throughput while a receiver hangs, against the throughput measured before.
     */
    private void webhooks() throws Exception {
        int n = Math.max(100, config.throughputTasks() / 5);
        var receiver = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        receiver.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        // Requests received by path (/ok/<run's label>): how a run knows, without querying the
        // database every few milliseconds beside the engine it measures, that it is all but done.
        var received = new ConcurrentHashMap<String, AtomicInteger>();
        receiver.createContext("/ok", exchange -> {
            exchange.getRequestBody().readAllBytes();
            received.computeIfAbsent(exchange.getRequestURI().getPath(), path -> new AtomicInteger())
                    .incrementAndGet();
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        receiver.createContext("/hang", exchange -> {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException stop) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        receiver.start();
        try {
            var url = java.net.URI.create(
                    "http://127.0.0.1:" + receiver.getAddress().getPort() + "/ok");
            webhookRun(Math.max(50, n / 10), url, received, Duration.ZERO); // warm-up
            var rates = new ArrayList<Double>();
            var p50 = new ArrayList<Double>();
            var p99 = new ArrayList<Double>();
            var steadyP50 = new ArrayList<Double>();
            var steadyP99 = new ArrayList<Double>();
            for (int r = 0; r < config.repetitions(); r++) {
                var run = webhookRun(n, url, received, Duration.ZERO);
                rates.add(run[0]);
                p50.add(run[1]);
                p99.add(run[2]);
                // The same at a steady rate well below capacity: latency without a queue in front.
                var steady = webhookRun(
                        Math.min(n, STEADY_WEBHOOKS_PER_S * 4),
                        url,
                        received,
                        Duration.ofSeconds(1).dividedBy(STEADY_WEBHOOKS_PER_S));
                steadyP50.add(steady[1]);
                steadyP99.add(steady[2]);
            }
            results.put("webhook_deliveries_per_s", Stats.Summary.of(rates));
            results.put("webhook_first_attempt_p50_ms", Stats.Summary.of(p50));
            results.put("webhook_first_attempt_p99_ms", Stats.Summary.of(p99));
            table.add(
                    "| Webhooks, %,d tasks with a callback to a local receiver | %s deliveries/s | task end to first attempt p50 %s ms, p99 %s ms |"
                            .formatted(n, Stats.Summary.of(rates), Stats.Summary.of(p50), Stats.Summary.of(p99)));
            results.put("webhook_steady_first_attempt_p50_ms", Stats.Summary.of(steadyP50));
            results.put("webhook_steady_first_attempt_p99_ms", Stats.Summary.of(steadyP99));
            table.add("| Webhooks, tasks ending at a steady %d/s | | task end to first attempt p50 %s ms, p99 %s ms |"
                    .formatted(STEADY_WEBHOOKS_PER_S, Stats.Summary.of(steadyP50), Stats.Summary.of(steadyP99)));

            // Task throughput while 200 deliveries hang on a receiver that never answers.
            var hanging = java.net.URI.create(
                    "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hang");
            var batch = new ArrayList<NewTask>();
            for (int i = 0; i < 200; i++) {
                batch.add(new NewTask("echo", null, null, null, 0, null, hanging, "default", Map.of()));
            }
            tasks.submitAll(batch);
            Thread.sleep(500);
            var during = new ArrayList<Double>();
            for (int r = 0; r < config.repetitions(); r++) {
                during.add(throughputOnce(config.throughputTasks() / 2));
            }
            results.put("throughput_while_receiver_hangs_tasks_per_s", Stats.Summary.of(during));
            table.add("| Durable throughput while 200 deliveries hang, %,d tasks | %s tasks/s | |"
                    .formatted(config.throughputTasks() / 2, Stats.Summary.of(during)));
        } finally {
            receiver.stop(0);
        }
    }

    /**
     * One webhook run, tasks due {@code spacing} apart (all at once when zero): deliveries/s, and
     * first-attempt latency p50 and p99 in milliseconds. Its callbacks go to {@code url/<label>}; the
     * run waits until {@code received} counts {@code n} requests there, then until the database
     * has every delivery SUCCEEDED (the attempts are recorded a moment after they are answered).
     */
    private double[] webhookRun(int n, java.net.URI url, Map<String, AtomicInteger> received, Duration spacing)
            throws InterruptedException {
        var label = UUID.randomUUID().toString();
        var callback = java.net.URI.create(url + "/" + label);
        var batch = new ArrayList<NewTask>();
        for (int i = 0; i < n; i++) {
            batch.add(new NewTask(
                    "echo", null, spacing.multipliedBy(i), null, 0, null, callback, "default", Map.of("bench", label)));
            if (batch.size() == 500 || i == n - 1) {
                tasks.submitAll(batch);
                batch.clear();
            }
        }
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        var count = received.computeIfAbsent(callback.getPath(), path -> new AtomicInteger());
        while (count.get() < n) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(unfinished(label, count.get(), n));
            }
            Thread.sleep(5);
        }
        var joined = " from webhook_delivery d join task t on t.id = d.task_id join task_label l on l.task_id = t.id"
                + " where l.label_key = 'bench' and l.label_value = :label";
        while (jdbc.sql("select count(*)" + joined + " and d.state = 'SUCCEEDED'")
                        .param("label", label)
                        .query(Long.class)
                        .single()
                < n) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("deliveries did not finish");
            }
            Thread.sleep(20);
        }
        var latencies = Stats.sorted(jdbc
                .sql("select t.finished_at, a.attempted_at"
                        + joined.replace(
                                " where", " join webhook_attempt a on a.delivery_id = d.id and a.attempt = 1 where"))
                .param("label", label)
                .query((row, i) ->
                        Duration.between(row.getObject(1, OffsetDateTime.class), row.getObject(2, OffsetDateTime.class))
                                        .toNanos()
                                / 1e6)
                .list()
                .stream()
                .mapToDouble(Double::doubleValue)
                .toArray());
        var span = jdbc.sql("select min(t.finished_at), max(a.attempted_at)"
                        + joined.replace(" where", " join webhook_attempt a on a.delivery_id = d.id where"))
                .param("label", label)
                .query((row, i) -> Duration.between(
                        row.getObject(1, OffsetDateTime.class), row.getObject(2, OffsetDateTime.class)))
                .single();
        double seconds = Math.max(span.toNanos() / 1e9, 0.001);
        return new double[] {n / seconds, Stats.percentile(latencies, 50), Stats.percentile(latencies, 99)};
    }

    /** What a webhook run that did not finish left: the tasks' states, the deliveries' and their attempts'. */
    private String unfinished(String label, int received, int n) {
        var tasks = jdbc.sql("select t.state, count(*) from task t join task_label l on l.task_id = t.id"
                        + " where l.label_key = 'bench' and l.label_value = :label group by t.state")
                .param("label", label)
                .query((row, i) -> row.getString(1) + "=" + row.getLong(2))
                .list();
        var deliveries = jdbc.sql("select d.state, coalesce(a.error, cast(a.status_code as varchar(10)), 'none'),"
                        + " count(*) from webhook_delivery d join task_label l on l.task_id = d.task_id"
                        + " left join webhook_attempt a on a.delivery_id = d.id"
                        + " where l.label_key = 'bench' and l.label_value = :label group by d.state,"
                        + " coalesce(a.error, cast(a.status_code as varchar(10)), 'none')")
                .param("label", label)
                .query((row, i) -> row.getString(1) + " " + row.getString(2) + "=" + row.getLong(3))
                .list();
        return "deliveries did not finish: %d of %d received; tasks %s; deliveries and attempts %s"
                .formatted(received, n, tasks, deliveries);
    }

    /** A million tasks hours ahead: time and heap to hold them, and lateness of due tasks meanwhile. */
    private void future() throws Exception {
        int n = config.futureTasks();
        long heapBefore = usedHeapAfterGc();
        long start = System.nanoTime();
        var batch = new ArrayList<NewTask>(5000);
        for (int i = 0; i < n; i++) {
            batch.add(new NewTask(
                    "echo", null, Duration.ofHours(3).plusMillis(i), null, 0, null, null, "default", Map.of()));
            if (batch.size() == 5000 || i == n - 1) {
                tasks.submitAll(batch);
                batch.clear();
            }
        }
        double insertSeconds = (System.nanoTime() - start) / 1e9;
        long heapAfter = usedHeapAfterGc();
        double heapDeltaMb = (heapAfter - heapBefore) / 1024.0 / 1024.0;
        results.put("future_tasks", n);
        results.put("future_insert_seconds", insertSeconds);
        results.put("future_heap_delta_mb", heapDeltaMb);
        results.put("future_heap_used_mb", heapAfter / 1024.0 / 1024.0);
        table.add("| %,d tasks 3 h ahead: insert | %s s (%s tasks/s) | heap +%s MB (used %s MB after GC) |"
                .formatted(
                        n, fmt(insertSeconds), fmt(n / insertSeconds), fmt(heapDeltaMb), fmt(heapAfter / 1048576.0)));
        lateness("lateness with " + n + " future tasks", Math.max(1, config.latenessSeconds() / 2));
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        var memory = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return memory.getHeapMemoryUsage().getUsed();
    }

    private void report() throws IOException {
        var out = new StringBuilder();
        out.append("\n## Tempora benchmark, ").append(results.get("date")).append('\n');
        out.append("Machine: ").append(results.get("machine")).append("\n\n");
        out.append("| Workload | Result (median (min..max) of ")
                .append(config.repetitions())
                .append(" runs) | | |\n|---|---|---|---|\n");
        table.forEach(line -> out.append(line).append('\n'));
        System.out.println(out);
        Files.createDirectories(config.output().toAbsolutePath().getParent());
        Files.writeString(
                config.output(),
                JsonMapper.builder().build().writerWithDefaultPrettyPrinter().writeValueAsString(results));
        System.out.println("Figures written to " + config.output().toAbsolutePath());
    }

    static String machine() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        return "%d cores, %s %s, Java %s"
                .formatted(os.getAvailableProcessors(), os.getName(), os.getArch(), Runtime.version());
    }

    private static void run(String name, Throwing step) {
        try {
            step.run();
        } catch (Exception e) {
            throw new IllegalStateException(name + " failed", e);
        }
    }

    private interface Throwing {
        double run() throws Exception;
    }
}
