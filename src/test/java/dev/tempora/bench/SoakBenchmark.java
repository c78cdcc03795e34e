package dev.tempora.bench;

import static dev.tempora.bench.Stats.fmt;

import com.sun.net.httpserver.HttpServer;
import dev.tempora.Api;
import dev.tempora.TemporaProcess;
import dev.tempora.postgres.PostgresDatabase;
import dev.tempora.support.Durations;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A soak: the real service as a separate process, on an H2 file (default) or PostgreSQL, under a
 * steady mixed load over HTTP on loopback for a set time. Every interval one line: tasks accepted
 * and ended so far, the interval's lateness, heap used after a full GC, threads, file
 * descriptors, resident memory and the database's size on disk. At the end it checks that every
 * task answered {@code 201} ended, that no answer was a 5xx and that the service logged no ERROR,
 * prints a Markdown summary and writes every sample to a JSON file.
 *
 * <p>The load, per second: {@code --rate} submissions (55% {@code echo} due now, 33% {@code sleep}
 * of up to 0.2 s due within 5 s, 5% {@code fail}, 2% {@code sleep} of 1–3 s, 5% {@code echo} due
 * in one to two {@code --far-delay}s; one in ten with a webhook to a receiver in this JVM that
 * answers {@code 500} to one first attempt in ten), two cancels of recent tasks, a dashboard's
 * reads (stats, pools, queue, a state filter, a label filter, two pages of the list; a pool resize
 * every minute); meanwhile four long polls of recent results and two event streams that stay 1–30
 * s each. Every accepted task is read back (a long poll) once it should have ended: its state,
 * and its lateness ({@code startedAt - runAt}).
 *
 * <p>Run: {@code ./mvnw -B -q -Pbench verify -Dbench.main=dev.tempora.bench.SoakBenchmark}
 * [{@code -Dbench.args="--duration=PT50M --rate=50 --interval=PT1M --database=postgres
 * --tempora.tasks.keep-finished=PT5M"}]; {@code --tempora.*}, {@code --spring.*} and the like go to
 * the service. Exits with 1 when a check failed.
 */
public final class SoakBenchmark {

    /** What the service runs with unless told otherwise: the 50-minute soak's settings. */
    private static final Map<String, String> SOAK_SERVICE = ordered(
            "tempora.tasks.keep-finished", "PT5M",
            "tempora.tasks.cleanup-interval", "PT30S",
            "tempora.events.timeout", "PT20S");

    private static final List<String> OPTIONS =
            List.of("duration", "rate", "interval", "database", "far-delay", "drain", "jvm", "seed", "output");

    /** Options with these prefixes are the service's properties, passed on as they are. */
    private static final List<String> SERVICE_PREFIXES =
            List.of("tempora.", "spring.", "logging.", "management.", "server.");

    /** A line of the service's log at a level: "2026-12-05T13:30:00.123Z ERROR [] 1234 --- ...". */
    private static final Pattern ERROR_LINE = Pattern.compile("^\\d{4}-\\d\\d-\\d\\dT\\S+\\s+ERROR\\b");

    private static final Pattern WARN_LINE = Pattern.compile("^\\d{4}-\\d\\d-\\d\\dT\\S+\\s+WARN\\b.*? (\\S+)\\s+: ");

    private static final List<String> STATES = List.of("SCHEDULED", "QUEUED", "RUNNING", "SUCCEEDED", "FAILED");

    /**
     * What to run. {@code farDelay}: the later tasks are due one to two of it after submission;
     * {@code drain}: how long after the load the driver waits for tasks and webhooks still open;
     * {@code jvm}: the service's JVM options; {@code service}: its properties.
     */
    public record Config(
            Duration duration,
            int rate,
            Duration interval,
            String database,
            Duration farDelay,
            Duration drain,
            List<String> jvm,
            long seed,
            Path output,
            Map<String, String> service) {

        static Config defaults() {
            return new Config(
                    Duration.ofMinutes(10),
                    50,
                    Duration.ofMinutes(1),
                    "h2",
                    Duration.ofMinutes(1),
                    Duration.ofMinutes(3),
                    List.of("-Xmx512m"),
                    1,
                    Path.of("target/bench/soak.json"),
                    SOAK_SERVICE);
        }

        /**
         * 12 s at 10 submissions a second, sampled every 4 s, with the tests' JVM (faster to
         * start); tasks kept 20 s and streams ending after 5 s, so that cleanup and resumes happen;
         * a refused webhook retried after 1 s.
         */
        public static Config smoke(Path output) {
            var service = new LinkedHashMap<>(SOAK_SERVICE);
            service.put("tempora.tasks.keep-finished", "PT20S");
            service.put("tempora.tasks.cleanup-interval", "PT5S");
            service.put("tempora.events.timeout", "PT5S");
            service.put("tempora.webhooks.retry-schedule", "PT1S,PT5S,PT30S");
            return new Config(
                    Duration.ofSeconds(12),
                    10,
                    Duration.ofSeconds(4),
                    "h2",
                    Duration.ofSeconds(2),
                    Duration.ofMinutes(1),
                    TemporaProcess.TEST_JVM,
                    1,
                    output,
                    Collections.unmodifiableMap(service));
        }

        static Config parse(String... args) {
            var defaults = defaults();
            var options = new HashMap<String, String>();
            var service = new LinkedHashMap<>(defaults.service());
            for (var arg : args) {
                var option = arg.replaceFirst("^--", "").split("=", 2);
                var value = option.length == 2 ? option[1] : "";
                if (SERVICE_PREFIXES.stream().anyMatch(option[0]::startsWith)) {
                    service.put(option[0], value);
                } else if (OPTIONS.contains(option[0])) {
                    options.put(option[0], value);
                } else {
                    throw new IllegalArgumentException(
                            "unknown option %s; known: --%s, and the service's properties (--%s...)"
                                    .formatted(
                                            arg,
                                            String.join(", --", OPTIONS),
                                            String.join("..., --", SERVICE_PREFIXES)));
                }
            }
            var database = options.getOrDefault("database", defaults.database());
            if (!List.of("h2", "postgres").contains(database)) {
                throw new IllegalArgumentException("--database is h2 or postgres, not " + database);
            }
            return new Config(
                    duration(options, "duration", defaults.duration()),
                    options.containsKey("rate") ? Integer.parseInt(options.get("rate")) : defaults.rate(),
                    duration(options, "interval", defaults.interval()),
                    database,
                    duration(options, "far-delay", defaults.farDelay()),
                    duration(options, "drain", defaults.drain()),
                    options.containsKey("jvm") ? List.of(options.get("jvm").split(",")) : defaults.jvm(),
                    options.containsKey("seed") ? Long.parseLong(options.get("seed")) : defaults.seed(),
                    options.containsKey("output") ? Path.of(options.get("output")) : defaults.output(),
                    Collections.unmodifiableMap(service));
        }

        private static Duration duration(Map<String, String> options, String name, Duration otherwise) {
            return options.containsKey(name) ? Durations.parse(options.get(name)) : otherwise;
        }
    }

    /**
     * One sample: {@code phase} is start, load or drained; counts are since the start; lateness
     * (ms) of the tasks read back as ended since the last sample; {@code heapMb} after a full GC
     * when {@code afterGc}; {@code statsP99Ms} is {@code /api/v1/stats}' last reading; NaN: not
     * available.
     */
    public record Sample(
            String phase,
            double seconds,
            long accepted,
            long ended,
            long open,
            int latenessCount,
            double latenessP50Ms,
            double latenessP99Ms,
            double latenessMaxMs,
            double statsP99Ms,
            double heapMb,
            boolean afterGc,
            double threads,
            double files,
            double rssMb,
            long databaseBytes,
            long serverErrors) {}

    /**
     * The run: its samples; {@code lost}, tasks answered {@code 201} that were never read back
     * ended; {@code serverErrors}, 5xx answers (the first few); {@code errorLines}, the service
     * log's ERROR lines.
     */
    public record Result(
            List<Sample> samples,
            long accepted,
            Map<String, Long> ended,
            List<String> lost,
            List<String> serverErrors,
            List<String> errorLines,
            List<String> undelivered,
            Map<String, Object> figures) {

        public boolean passed() {
            return lost.isEmpty() && serverErrors.isEmpty() && errorLines.isEmpty() && undelivered.isEmpty();
        }
    }

    /** What the driver submits, with its share of the submissions in percent. */
    private enum Kind {
        ECHO(55),
        SHORT_SLEEP(33),
        FAIL(5),
        LONG_SLEEP(2),
        LATER(5);

        private final int percent;

        Kind(int percent) {
            this.percent = percent;
        }

        static Kind pick(int percentile) {
            int below = 0;
            for (var kind : values()) {
                below += kind.percent;
                if (percentile < below) {
                    return kind;
                }
            }
            return LATER;
        }

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** An accepted task to read back at {@code atNanos}. */
    private record Check(String id, long atNanos) implements Delayed {
        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(atNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed other) {
            return Long.compare(atNanos, ((Check) other).atNanos);
        }

        Check after(Duration wait) {
            return new Check(id, System.nanoTime() + wait.toNanos());
        }
    }

    private static final int CHECKERS = 8;
    private static final int LONG_POLLERS = 4;
    private static final int EVENT_STREAMS = 2;
    private static final int MAX_SUBMITS_IN_FLIGHT = 64;
    private static final int EXAMPLES = 20;

    private final Config config;
    private long startNanos;
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(3);
    private final HttpClient streams =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<Thread> loadThreads = new ArrayList<>();
    private final List<Thread> checkers = new ArrayList<>();
    private final Set<InputStream> openStreams = ConcurrentHashMap.newKeySet();
    private volatile boolean loading = true;
    private volatile boolean checking = true;

    private TemporaProcess tempora;
    private Api api;
    private Path dir;
    private String databaseUrl;
    private HttpServer receiver;
    private int basePoolSize;
    private boolean reported;

    // What the driver did and saw.
    private final Semaphore submitsInFlight = new Semaphore(MAX_SUBMITS_IN_FLIGHT);
    private final AtomicLong sequence = new AtomicLong();
    private final LongAdder accepted = new LongAdder();
    private final LongAdder submitsSkipped = new LongAdder();
    private final Map<Integer, LongAdder> answers = new ConcurrentHashMap<>();
    private final Map<Integer, LongAdder> submitRefusals = new ConcurrentHashMap<>();
    private final Map<Integer, LongAdder> cancels = new ConcurrentHashMap<>();
    private final LongAdder noAnswers = new LongAdder();
    private final List<String> serverErrors = new CopyOnWriteArrayList<>();
    private final AtomicLong serverErrorCount = new AtomicLong();
    private final List<String> noAnswerExamples = new CopyOnWriteArrayList<>();
    private final AtomicReferenceArray<String> recent = new AtomicReferenceArray<>(256);
    private final AtomicLong recentSlot = new AtomicLong();
    private final DelayQueue<Check> checks = new DelayQueue<>();
    private final Map<String, Kind> open = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> ended = new ConcurrentHashMap<>();
    private final List<String> goneUnseen = new CopyOnWriteArrayList<>();
    private final LongAdder ranAgain = new LongAdder();
    private final List<Double> lateness = new ArrayList<>();
    private int latenessSampled;
    private final LongAdder longPolls = new LongAdder();
    private final LongAdder dashboardRounds = new LongAdder();
    private final LongAdder poolResizes = new LongAdder();
    private volatile double statsP99 = Double.NaN;
    private final LongAdder streamsOpened = new LongAdder();
    private final LongAdder streamsEndedByServer = new LongAdder();
    private final Map<String, LongAdder> events = new ConcurrentHashMap<>();
    private final Set<String> webhooksExpected = ConcurrentHashMap.newKeySet();
    private final Set<String> webhooksDelivered = ConcurrentHashMap.newKeySet();
    private final Set<String> webhookIdsSeen = ConcurrentHashMap.newKeySet();
    private final LongAdder webhookRequests = new LongAdder();
    private final LongAdder webhookRefusals = new LongAdder();
    private final List<Sample> samples = new ArrayList<>();

    private SoakBenchmark(Config config) {
        this.config = config;
    }

    public static void main(String[] args) throws Exception {
        var config = Config.parse(args);
        if (config.database().equals("postgres")
                && PostgresDatabase.unavailable().isPresent()) {
            System.out.println(PostgresDatabase.unavailable().get());
            System.exit(0);
        }
        var result = run(config);
        // The HTTP clients' threads would keep Maven's exec waiting; the exit code is the verdict.
        System.exit(result.passed() ? 0 : 1);
    }

    /** Runs the soak, prints the samples and the summary, writes the JSON file. */
    public static Result run(Config config) throws Exception {
        var soak = new SoakBenchmark(config);
        try {
            return soak.soak();
        } finally {
            soak.cleanUp();
        }
    }

    private Result soak() throws Exception {
        var date = Instant.now();
        startReceiver();
        startService();
        startNanos = System.nanoTime();
        System.out.printf(
                "Soak: %s at %d submissions/s for %s, a sample every %s; service %s %s, in %s%n",
                config.database(),
                config.rate(),
                config.duration(),
                config.interval(),
                String.join(" ", config.jvm()),
                config.service(),
                dir);
        System.out.println(SAMPLE_HEADER);
        sample("start");
        startLoad();
        long end = startNanos + config.duration().toNanos();
        for (long at = startNanos + config.interval().toNanos();
                at <= end;
                at += config.interval().toNanos()) {
            sleepUntil(at);
            sample("load");
        }
        sleepUntil(end);
        stopLoad();
        long stopped = System.nanoTime();
        drain();
        System.out.printf(
                "Load stopped; after %.1f s %,d tasks still open, %,d webhook events undelivered%n",
                (System.nanoTime() - stopped) / 1e9, open.size(), undelivered().size());
        for (var thread : loadThreads) {
            thread.join(Duration.ofSeconds(30)); // a long poll may still wait
        }
        sample("drained");
        stopCheckers();
        int exit = tempora.terminate(Duration.ofSeconds(90));
        var log = tempora.log();
        var result = result(date, exit, log);
        report(result, log);
        reported = true;
        return result;
    }

    // ---- The service, the receiver and the samples

    private void startService() throws IOException {
        dir = Files.createTempDirectory("tempora-soak");
        databaseUrl = config.database().equals("h2")
                ? "jdbc:h2:retry:" + dir.resolve("tempora") + ";DB_CLOSE_ON_EXIT=FALSE"
                : PostgresDatabase.newSchema();
        var args = new ArrayList<String>();
        args.add("--spring.datasource.url=" + databaseUrl);
        config.service().forEach((name, value) -> args.add("--" + name + "=" + value));
        tempora = TemporaProcess.start(dir, "tempora", config.jvm(), args.toArray(String[]::new));
        api = tempora.api();
        basePoolSize = defaultPool().path("size").asInt(6);
    }

    /** The webhook receiver: {@code 500} to one first attempt (by {@code webhook-id}) in ten, else 200. */
    private void startReceiver() throws IOException {
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        var random = new SplittableRandom(config.seed() + 1);
        receiver.createContext("/hook", exchange -> {
            var body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            webhookRequests.increment();
            boolean first = webhookIdsSeen.add(
                    String.valueOf(exchange.getRequestHeaders().getFirst("webhook-id")));
            boolean refuse;
            synchronized (random) {
                refuse = first && random.nextInt(10) == 0;
            }
            if (refuse) {
                webhookRefusals.increment();
            } else {
                webhooksDelivered.add(Api.json(body).path("data").path("id").asString());
            }
            exchange.sendResponseHeaders(refuse ? 500 : 200, -1);
            exchange.close();
        });
        receiver.start();
    }

    private void sample(String phase) {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        boolean afterGc = fullGc();
        double[] interval;
        synchronized (lateness) {
            interval = Stats.sorted(lateness.subList(latenessSampled, lateness.size()).stream()
                    .mapToDouble(Double::doubleValue)
                    .toArray());
            latenessSampled = lateness.size();
        }
        var sample = new Sample(
                phase,
                seconds,
                accepted.sum(),
                endedCount(),
                open.size(),
                interval.length,
                Stats.percentile(interval, 50),
                Stats.percentile(interval, 99),
                Stats.percentile(interval, 100),
                statsP99,
                metric("jvm.memory.used?tag=area:heap") / 1048576.0,
                afterGc,
                metric("jvm.threads.live"),
                metric("process.files.open"),
                rssMb(),
                databaseBytes(),
                serverErrorCount.get());
        samples.add(sample);
        System.out.println(row(sample));
    }

    /** {@code jcmd PID GC.run}: a full collection in the service, as the 50-minute soak did. */
    private boolean fullGc() {
        try {
            command(
                    Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(tempora.pid()),
                    "GC.run");
            return true;
        } catch (IOException noJcmd) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private double metric(String name) {
        var response = call("metric " + name, api -> api.get("/actuator/metrics/" + name));
        if (response == null || response.status() != 200) {
            return Double.NaN;
        }
        var value = response.body().path("measurements").path(0).path("value");
        return value.isNumber() ? value.asDouble() : Double.NaN;
    }

    private double rssMb() {
        try (var lines = Files.lines(Path.of("/proc", Long.toString(tempora.pid()), "status"))) {
            return lines.filter(line -> line.startsWith("VmRSS:"))
                    .map(line -> Double.parseDouble(line.replaceAll("[^0-9]", "")) / 1024.0)
                    .findFirst()
                    .orElse(Double.NaN);
        } catch (IOException | RuntimeException notLinux) {
            return Double.NaN;
        }
    }

    /** H2: the file's size; PostgreSQL: the schema's tables with their indexes and TOAST. */
    private long databaseBytes() {
        if (config.database().equals("h2")) {
            try {
                return Files.size(dir.resolve("tempora.mv.db"));
            } catch (IOException notYet) {
                return -1;
            }
        }
        try (var connection = DriverManager.getConnection(databaseUrl);
                var statement = connection.createStatement();
                var rows = statement.executeQuery("select coalesce(sum(pg_total_relation_size(c.oid)), 0)"
                        + " from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                        + " where n.nspname = current_schema() and c.relkind = 'r'")) {
            rows.next();
            return rows.getLong(1);
        } catch (SQLException unavailable) {
            return -1;
        }
    }

    // ---- The load

    private void startLoad() {
        var submissions = new SplittableRandom(config.seed());
        scheduler.scheduleAtFixedRate(
                () -> submitNext(submissions), 0, 1_000_000_000L / config.rate(), TimeUnit.NANOSECONDS);
        var cancelling = new SplittableRandom(config.seed() + 2);
        scheduler.scheduleAtFixedRate(() -> cancel(cancelling), 500, 500, TimeUnit.MILLISECONDS);
        var dashboard = new SplittableRandom(config.seed() + 3);
        scheduler.scheduleAtFixedRate(() -> dashboard(dashboard), 1, 1, TimeUnit.SECONDS);
        for (int i = 0; i < CHECKERS; i++) {
            checkers.add(Thread.ofVirtual().name("soak-checker-" + i).start(this::checkAll));
        }
        for (int i = 0; i < LONG_POLLERS; i++) {
            var random = new SplittableRandom(config.seed() + 10 + i);
            loadThreads.add(Thread.ofVirtual().name("soak-long-poll-" + i).start(() -> longPolls(random)));
        }
        for (int i = 0; i < EVENT_STREAMS; i++) {
            var random = new SplittableRandom(config.seed() + 20 + i);
            loadThreads.add(Thread.ofVirtual().name("soak-events-" + i).start(() -> eventStreams(random)));
        }
    }

    private void stopLoad() throws InterruptedException {
        loading = false;
        scheduler.shutdown();
        scheduler.awaitTermination(30, TimeUnit.SECONDS);
        openStreams.forEach(SoakBenchmark::close);
        streams.shutdown();
        streams.awaitTermination(Duration.ofSeconds(30));
        // The submissions still being answered are part of the load.
        if (submitsInFlight.tryAcquire(MAX_SUBMITS_IN_FLIGHT, 90, TimeUnit.SECONDS)) {
            submitsInFlight.release(MAX_SUBMITS_IN_FLIGHT);
        }
    }

    /** Waits, at most {@code drain}, for every accepted task to be read back ended and every webhook delivered. */
    private void drain() throws InterruptedException {
        long deadline = System.nanoTime() + config.drain().toNanos();
        while ((!open.isEmpty() || !undelivered().isEmpty()) && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
    }

    private void stopCheckers() throws InterruptedException {
        checking = false;
        for (var thread : checkers) {
            thread.join(Duration.ofSeconds(30));
        }
    }

    /** One submission of the mix, chosen on the scheduler's thread (reproducible), sent from a virtual one. */
    private void submitNext(SplittableRandom random) {
        long n = sequence.incrementAndGet();
        var kind = Kind.pick(random.nextInt(100));
        double far = config.farDelay().toMillis() / 1000.0;
        double seconds = switch (kind) {
            case SHORT_SLEEP -> random.nextDouble(0.2);
            case LONG_SLEEP -> 1 + random.nextDouble(2);
            default -> 0;
        };
        double delay = switch (kind) {
            case SHORT_SLEEP -> random.nextDouble(5);
            case LATER -> far + random.nextDouble(far);
            default -> 0;
        };
        boolean callback = random.nextInt(10) == 0;
        var body = new StringBuilder("{\"handler\": ")
                .append(
                        switch (kind) {
                            case ECHO, LATER -> "\"echo\", \"args\": {\"n\": %d}".formatted(n);
                            case FAIL -> "\"fail\", \"args\": {\"message\": \"soak %d\"}".formatted(n);
                            case SHORT_SLEEP, LONG_SLEEP ->
                                String.format(
                                        Locale.ROOT,
                                        "\"sleep\", \"args\": {\"seconds\": %.3f, \"result\": %d}",
                                        seconds,
                                        n);
                        })
                .append(delay > 0 ? String.format(Locale.ROOT, ", \"delay\": %.3f", delay) : "")
                .append(", \"labels\": {\"soak\": \"1\", \"kind\": \"")
                .append(kind.label())
                .append("\"}");
        if (callback) {
            body.append(", \"callbackUrl\": \"http://127.0.0.1:")
                    .append(receiver.getAddress().getPort())
                    .append("/hook\"");
        }
        body.append('}');
        if (!submitsInFlight.tryAcquire()) {
            submitsSkipped.increment();
            return;
        }
        Thread.ofVirtual().start(() -> {
            try {
                submit(body.toString(), kind, Duration.ofMillis((long) (seconds * 1000)), callback);
            } finally {
                submitsInFlight.release();
            }
        });
    }

    private void submit(String body, Kind kind, Duration work, boolean callback) {
        var response = call("submit", api -> api.post("/api/v1/tasks", body));
        if (response == null) {
            return;
        }
        if (response.status() != 201) {
            count(submitRefusals, response.status());
            return;
        }
        var id = response.body().path("id").asString();
        open.put(id, kind);
        if (callback) {
            webhooksExpected.add(id);
        }
        accepted.increment();
        recent.set((int) (recentSlot.incrementAndGet() % recent.length()), id);
        var due = Instant.parse(response.body().path("runAt").asString())
                .plus(work)
                .plusMillis(500);
        checks.add(new Check(
                id, System.nanoTime() + Duration.between(Instant.now(), due).toNanos()));
    }

    /** Reads accepted tasks back once they should have ended, with a long poll, until they have. */
    private void checkAll() {
        while (checking) {
            Check check;
            try {
                check = checks.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (check != null) {
                checkOne(check);
            }
        }
    }

    private void checkOne(Check check) {
        var response = call("read back", api -> api.get("/api/v1/tasks/" + check.id() + "?wait=PT5S"));
        if (response == null || (response.status() != 200 && response.status() != 404)) {
            checks.add(check.after(Duration.ofSeconds(1)));
            return;
        }
        if (response.status() == 404) {
            if (open.remove(check.id()) != null) {
                goneUnseen.add(check.id());
            }
            return;
        }
        var task = response.body();
        if (!task.path("done").asBoolean()) {
            checks.add(check.after(Duration.ZERO));
            return;
        }
        if (open.remove(check.id()) == null) {
            return;
        }
        count(ended, task.path("state").asString());
        if (task.path("attempts").asInt() > 1) {
            ranAgain.increment();
        }
        var started = task.path("startedAt");
        if (started.isString()) {
            double ms =
                    Duration.between(Instant.parse(task.path("runAt").asString()), Instant.parse(started.asString()))
                                    .toNanos()
                            / 1e6;
            synchronized (lateness) {
                lateness.add(ms);
            }
        }
    }

    /** Cancels a recent task, interrupting it or not at random. */
    private void cancel(SplittableRandom random) {
        var id = recentTask(random);
        if (id != null) {
            var response = call(
                    "cancel",
                    api -> api.post("/api/v1/tasks/" + id + "/cancel?mayInterruptIfRunning=" + random.nextBoolean()));
            if (response != null) {
                count(cancels, response.status());
            }
        }
    }

    /** {@code Future.result(timeout)} of recent tasks, one after the other. */
    private void longPolls(SplittableRandom random) {
        while (loading) {
            var id = recentTask(random);
            if (id == null) {
                pause(Duration.ofMillis(100));
                continue;
            }
            call("long poll", api -> api.get("/api/v1/tasks/" + id + "/result?wait=PT10S"));
            longPolls.increment();
        }
    }

    /** A dashboard's reads every second; every minute the default pool two workers larger, then back. */
    private void dashboard(SplittableRandom random) {
        var stats = call("stats", api -> api.get("/api/v1/stats"));
        if (stats != null && stats.body().path("lateness").path("p99").isNumber()) {
            statsP99 = stats.body().path("lateness").path("p99").asDouble();
        }
        call("pools", api -> api.get("/api/v1/pools"));
        call("queue", api -> api.get("/api/v1/queue?limit=15"));
        var state = STATES.get(random.nextInt(STATES.size()));
        call("state filter", api -> api.get("/api/v1/tasks?limit=50&state=" + state));
        var kind = Kind.values()[random.nextInt(Kind.values().length)].label();
        call("label filter", api -> api.get("/api/v1/tasks?limit=50&label=kind:" + kind));
        var page = call("list", api -> api.get("/api/v1/tasks?limit=50"));
        if (page != null && page.body().path("nextCursor").isString()) {
            var cursor = URLEncoder.encode(page.body().path("nextCursor").asString(), StandardCharsets.UTF_8);
            call("next page", api -> api.get("/api/v1/tasks?limit=50&cursor=" + cursor));
        }
        dashboardRounds.increment();
        if (dashboardRounds.sum() % 60 == 30) {
            int size = poolResizes.sum() % 2 == 0 ? basePoolSize + 2 : basePoolSize;
            call("pool resize", api -> api.patch("/api/v1/pools/default", "{\"size\": " + size + "}"));
            poolResizes.increment();
        }
    }

    /** An event stream that stays 1–30 s, then another; one the server ended is resumed from its last id. */
    private void eventStreams(SplittableRandom random) {
        String lastId = null;
        boolean resume = false;
        while (loading) {
            var request = HttpRequest.newBuilder(api.uri("/api/v1/events")).header("Accept", "text/event-stream");
            if (resume && lastId != null) {
                request.header("Last-Event-ID", lastId);
            }
            HttpResponse<InputStream> response;
            try {
                response = streams.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                noAnswer("event stream", e);
                pause(Duration.ofSeconds(1));
                continue;
            } catch (InterruptedException e) {
                return;
            }
            count(answers, response.statusCode());
            if (response.statusCode() != 200) {
                // Counted in the answers by status; only a 5xx fails the soak.
                if (response.statusCode() >= 500) {
                    serverError("event stream", response.statusCode(), "");
                }
                close(response.body());
                pause(Duration.ofSeconds(1));
                continue;
            }
            streamsOpened.increment();
            var body = response.body();
            openStreams.add(body);
            if (!loading) {
                close(body); // opened as the load stopped
            }
            var closed = new AtomicBoolean();
            long stay = 1000 + random.nextLong(29_000);
            var closer = Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(stay);
                    closed.set(true);
                    close(body);
                } catch (InterruptedException endedFirst) {
                    // the stream ended before its time
                }
            });
            try (var reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                for (var line = reader.readLine(); line != null; line = reader.readLine()) {
                    if (line.startsWith("id:")) {
                        lastId = line.substring(3).strip();
                    } else if (line.startsWith("event:")) {
                        count(events, line.substring(6).strip());
                    }
                }
            } catch (IOException closedHere) {
                // closed by the closer or at the end of the load
            }
            closer.interrupt();
            openStreams.remove(body);
            resume = !closed.get() && loading;
            if (resume) {
                streamsEndedByServer.increment();
            }
        }
    }

    /** One of the last hundred tasks accepted; null before the first. */
    private String recentTask(SplittableRandom random) {
        long last = recentSlot.get();
        if (last == 0) {
            return null;
        }
        return recent.get((int) ((last - random.nextLong(Math.min(last, 100))) % recent.length()));
    }

    // ---- HTTP bookkeeping

    /** Sends a request with the tests' client, counting its answer; null when there was none. */
    private Api.Response call(String what, Function<Api, Api.Response> request) {
        try {
            var response = request.apply(api);
            count(answers, response.status());
            if (response.status() >= 500) {
                serverError(what, response.status(), response.text());
            }
            return response;
        } catch (IllegalStateException noAnswer) {
            noAnswer(what, noAnswer);
            return null;
        }
    }

    private void serverError(String what, int status, String text) {
        serverErrorCount.incrementAndGet();
        example(serverErrors, "%s: %d %s".formatted(what, status, text.length() > 300 ? text.substring(0, 300) : text));
    }

    private void noAnswer(String what, Exception e) {
        noAnswers.increment();
        example(noAnswerExamples, what + ": " + e);
    }

    private static void example(List<String> examples, String example) {
        if (examples.size() < EXAMPLES) {
            examples.add(example);
        }
    }

    private static <K> void count(Map<K, LongAdder> counts, K key) {
        counts.computeIfAbsent(key, k -> new LongAdder()).increment();
    }

    // ---- The result

    private long endedCount() {
        return ended.values().stream().mapToLong(LongAdder::sum).sum();
    }

    private List<String> undelivered() {
        return webhooksExpected.stream()
                .filter(id -> !webhooksDelivered.contains(id))
                .sorted()
                .toList();
    }

    private Result result(Instant date, int exit, String log) {
        var lost = new ArrayList<>(goneUnseen);
        lost.addAll(open.keySet().stream().sorted().toList());
        var errorLines = log.lines().filter(ERROR_LINE.asPredicate()).toList();
        var warnings = new TreeMap<String, Long>();
        log.lines()
                .map(WARN_LINE::matcher)
                .filter(java.util.regex.Matcher::find)
                .forEach(warning -> warnings.merge(warning.group(1), 1L, Long::sum));
        double[] all;
        synchronized (lateness) {
            all = Stats.sorted(
                    lateness.stream().mapToDouble(Double::doubleValue).toArray());
        }
        var figures = new LinkedHashMap<String, Object>();
        figures.put("date", date.toString());
        figures.put("machine", TemporaBenchmark.machine());
        figures.put("commit", commit());
        figures.put("database", config.database());
        figures.put("duration", config.duration().toString());
        figures.put("rate_per_s", config.rate());
        figures.put("interval", config.interval().toString());
        figures.put("far_delay", config.farDelay().toString());
        figures.put("seed", config.seed());
        figures.put("service_jvm", config.jvm());
        figures.put("service_properties", config.service());
        figures.put("accepted", accepted.sum());
        figures.put("submits_skipped_driver_behind", submitsSkipped.sum());
        figures.put("submits_refused_by_status", sums(submitRefusals));
        figures.put("ended_by_state", sums(ended));
        figures.put("lost", lost.size());
        figures.put("gone_before_read_back", goneUnseen.size());
        figures.put("ran_more_than_once", ranAgain.sum());
        figures.put("lateness_p50_ms", Stats.percentile(all, 50));
        figures.put("lateness_p99_ms", Stats.percentile(all, 99));
        figures.put("lateness_max_ms", Stats.percentile(all, 100));
        figures.put("answers_by_status", sums(answers));
        figures.put("server_errors", serverErrorCount.get());
        figures.put("server_error_examples", serverErrors);
        figures.put("requests_without_answer", noAnswers.sum());
        figures.put("requests_without_answer_examples", noAnswerExamples);
        figures.put("cancels_by_status", sums(cancels));
        figures.put("long_polls", longPolls.sum());
        figures.put("dashboard_rounds", dashboardRounds.sum());
        figures.put("pool_resizes", poolResizes.sum());
        figures.put("event_streams_opened", streamsOpened.sum());
        figures.put("event_streams_ended_by_server", streamsEndedByServer.sum());
        figures.put("events_by_type", sums(events));
        figures.put("webhook_events_expected", webhooksExpected.size());
        figures.put(
                "webhook_events_delivered",
                webhooksExpected.size() - undelivered().size());
        figures.put("webhook_requests", webhookRequests.sum());
        figures.put("webhook_first_attempts_refused", webhookRefusals.sum());
        figures.put("service_exit_code", exit);
        figures.put("log_error_lines", errorLines.size());
        figures.put("log_warn_lines_by_logger", warnings);
        figures.put("samples", samples);
        return new Result(
                List.copyOf(samples),
                accepted.sum(),
                sums(ended),
                lost,
                List.copyOf(serverErrors),
                errorLines,
                undelivered(),
                figures);
    }

    private static <K> Map<K, Long> sums(Map<K, LongAdder> counts) {
        var sums = new TreeMap<K, Long>();
        counts.forEach((key, count) -> sums.put(key, count.sum()));
        return sums;
    }

    private void report(Result result, String log) throws IOException {
        var figures = result.figures();
        var out = new StringBuilder();
        out.append("\n## Soak, %s, %s, %s at %d submissions/s%n%n"
                .formatted(
                        figures.get("date"),
                        config.database().equals("h2") ? "H2 file" : "PostgreSQL",
                        config.duration(),
                        config.rate()));
        out.append("Machine: %s; commit %s; service %s, %s.%n%n"
                .formatted(figures.get("machine"), figures.get("commit"), config.jvm(), config.service()));
        out.append(SAMPLE_HEADER).append('\n');
        result.samples().forEach(sample -> out.append(row(sample)).append('\n'));
        out.append("\n| Check | Result |\n|---|---|\n");
        row(
                out,
                "Accepted (201)",
                "%,d; skipped by the driver (64 submissions unanswered): %,d; refused: %s"
                        .formatted(
                                result.accepted(),
                                figures.get("submits_skipped_driver_behind"),
                                figures.get("submits_refused_by_status")));
        row(
                out,
                "Read back ended",
                "%,d %s; ran more than once: %s"
                        .formatted(endedCount(), result.ended(), figures.get("ran_more_than_once")));
        row(
                out,
                "**Lost** (never read back ended)",
                "%,d%s".formatted(result.lost().size(), examples(result.lost())));
        row(
                out,
                "Lateness over the run, p50 / p99 / max (ms)",
                "%s / %s / %s"
                        .formatted(
                                fmt((double) figures.get("lateness_p50_ms")),
                                fmt((double) figures.get("lateness_p99_ms")),
                                fmt((double) figures.get("lateness_max_ms"))));
        row(out, "**5xx answers**", "%,d%s".formatted(serverErrorCount.get(), examples(result.serverErrors())));
        row(out, "Requests without an answer", "%,d%s".formatted(noAnswers.sum(), examples(noAnswerExamples)));
        row(out, "Answers by status", figures.get("answers_by_status").toString());
        row(
                out,
                "**Webhook events delivered**",
                "%,d of %,d (%,d requests; %,d first attempts answered 500)%s"
                        .formatted(
                                figures.get("webhook_events_delivered"),
                                figures.get("webhook_events_expected"),
                                figures.get("webhook_requests"),
                                figures.get("webhook_first_attempts_refused"),
                                examples(result.undelivered())));
        row(out, "Cancels by status", figures.get("cancels_by_status").toString());
        row(
                out,
                "Long polls; dashboard rounds; pool resizes",
                "%,d; %,d; %,d".formatted(longPolls.sum(), dashboardRounds.sum(), poolResizes.sum()));
        row(
                out,
                "Event streams opened (ended by the server); events",
                "%,d (%,d); %s"
                        .formatted(streamsOpened.sum(), streamsEndedByServer.sum(), figures.get("events_by_type")));
        row(
                out,
                "**ERROR lines in the service log**",
                "%,d%s".formatted(result.errorLines().size(), examples(result.errorLines())));
        row(out, "WARN lines by logger", figures.get("log_warn_lines_by_logger").toString());
        row(
                out,
                "Service exit code after SIGTERM",
                figures.get("service_exit_code").toString());
        row(out, "Verdict", result.passed() ? "passed" : "**FAILED**");
        System.out.print(out);
        figures.put("markdown", out.toString());
        var output = config.output().toAbsolutePath();
        Files.createDirectories(output.getParent());
        Files.writeString(
                output,
                JsonMapper.builder().build().writerWithDefaultPrettyPrinter().writeValueAsString(figures));
        var serviceLog =
                output.resolveSibling(output.getFileName().toString().replaceFirst("\\.json$", "") + "-service.log");
        Files.writeString(serviceLog, log);
        System.out.println("Samples written to " + output + ", the service's log to " + serviceLog);
    }

    private static void row(StringBuilder out, String check, String result) {
        out.append("| ")
                .append(check)
                .append(" | ")
                .append(result.replace("|", "/"))
                .append(" |\n");
    }

    private static String examples(List<String> examples) {
        return examples.isEmpty()
                ? ""
                : ": "
                        + String.join("; ", examples.subList(0, Math.min(3, examples.size())))
                                .replace("\n", " ");
    }

    /** The samples' table: its head, and a sample as a row. */
    private static final String SAMPLE_HEADER =
            "| Time (m:ss) | Phase | Accepted | Ended | Open | Lateness p50 / p99 / max (ms)"
                    + " | /stats p99 (ms) | Heap (MB) | Threads | FDs | RSS (MB) | Database (MB) | 5xx |\n"
                    + "|---|---|---|---|---|---|---|---|---|---|---|---|---|";

    private static String row(Sample s) {
        return "| %s | %s | %,d | %,d | %,d | %s / %s / %s (%,d tasks) | %s | %s%s | %s | %s | %s | %s | %d |"
                .formatted(
                        minutes(s.seconds()),
                        s.phase(),
                        s.accepted(),
                        s.ended(),
                        s.open(),
                        fmt(s.latenessP50Ms()),
                        fmt(s.latenessP99Ms()),
                        fmt(s.latenessMaxMs()),
                        s.latenessCount(),
                        fmt(s.statsP99Ms()),
                        fmt(s.heapMb()),
                        s.afterGc() ? " after GC" : " (no GC)",
                        whole(s.threads()),
                        whole(s.files()),
                        fmt(s.rssMb()),
                        fmt(s.databaseBytes() / 1048576.0),
                        s.serverErrors());
    }

    private static String whole(double value) {
        return Double.isNaN(value) ? "n/a" : "%.0f".formatted(value);
    }

    private static String minutes(double seconds) {
        return "%d:%02d".formatted((long) seconds / 60, (long) seconds % 60);
    }

    /** The checkout's commit, "+changes" when it has uncommitted ones; "unknown" without git. */
    private static String commit() {
        try {
            var head = command("git", "rev-parse", "--short", "HEAD");
            return command("git", "status", "--porcelain", "--untracked-files=no")
                            .isBlank()
                    ? head
                    : head + "+changes";
        } catch (IOException | InterruptedException noGit) {
            return "unknown";
        }
    }

    /** Runs a command for at most a minute; its output, or an IOException when it failed. */
    private static String command(String... command) throws IOException, InterruptedException {
        // Into a file, not a pipe: reading a pipe to its end first would wait for the command
        // however long it took, and the minute would never be up.
        var output = Files.createTempFile("soak-command", ".out");
        try {
            var process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .start();
            boolean ended = process.waitFor(60, TimeUnit.SECONDS);
            if (!ended) {
                process.destroyForcibly();
            }
            var out = Files.readString(output).strip();
            if (!ended || process.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + out);
            }
            return out;
        } finally {
            Files.deleteIfExists(output);
        }
    }

    // ---- Odds and ends

    private JsonNode defaultPool() {
        var pools = call("pools", api -> api.get("/api/v1/pools"));
        if (pools != null) {
            for (var pool : pools.body()) {
                if (pool.path("name").asString().equals("default")) {
                    return pool;
                }
            }
        }
        return Api.json("{}");
    }

    private void cleanUp() {
        loading = false;
        checking = false;
        scheduler.shutdownNow();
        openStreams.forEach(SoakBenchmark::close);
        streams.shutdownNow();
        if (tempora != null) {
            tempora.close();
        }
        if (receiver != null) {
            receiver.stop(0);
        }
        if (dir != null && !reported) {
            System.out.println("The run failed; its service log and database are in " + dir);
        } else if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder())
                        .forEach(path -> path.toFile().delete());
            } catch (IOException leftBehind) {
                // a temporary directory: the system cleans it some day
            }
        }
    }

    private static void close(InputStream stream) {
        try {
            stream.close();
        } catch (IOException alreadyClosed) {
            // nothing to do
        }
    }

    private static void sleepUntil(long nanos) throws InterruptedException {
        long wait = nanos - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    private static void pause(Duration wait) {
        try {
            Thread.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Map<String, String> ordered(String... namesAndValues) {
        var map = new LinkedHashMap<String, String>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            map.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return Collections.unmodifiableMap(map);
    }
}
