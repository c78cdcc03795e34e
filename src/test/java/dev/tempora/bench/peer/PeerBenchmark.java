package dev.tempora.bench.peer;

import ch.qos.logback.classic.Level;
import dev.tempora.bench.Stats;
import dev.tempora.bench.Stats.Summary;
import dev.tempora.bench.SubmitWorkload;
import dev.tempora.bench.ThreadCpu;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * Tempora side by side with db-scheduler, Quartz (JDBC job store) and JobRunr, plus a bare
 * {@code ScheduledThreadPoolExecutor} and a raw-SQL claim loop as baselines, on H2 and on the local
 * PostgreSQL, in one run (issue 5). Every engine runs in this JVM with the same worker count and
 * connection pool size, each on its own store; each engine's settings are documented on its
 * adapter class and in docs/benchmarks.md.
 *
 * <p>All engines of a database run at once, and each repetition measures them one after another,
 * so that a Tempora/peer ratio compares runs minutes apart at most: these 2-core machines are
 * noisy. Ratios are computed pair by pair per repetition, then summarised.
 *
 * <p>Run: {@code ./mvnw -B -q -Pbench verify -Dbench.main=dev.tempora.bench.peer.PeerBenchmark};
 * options as {@code -Dbench.args="--repetitions=3 --databases=h2"}.
 */
public final class PeerBenchmark {

    /** The future workload's first slice of inserts, and the largest. */
    private static final int FIRST_FUTURE_SLICE = 500;

    private static final int MAX_FUTURE_SLICE = 10_000;

    /** How long the lateness workload's warm-up run lasts. */
    private static final int LATENESS_WARM_UP_SECONDS = 1;

    /** The most tasks of the lateness warm-up's burst of single-task submissions. */
    private static final int SUBMIT_BURST_TASKS = 5_000;

    /** How far ahead of submission the lateness workload's tasks are due. */
    static final Duration LEAD = Duration.ofMillis(250);

    /** How long H2's threads are watched before a lateness run, and the longest wait for them to go idle. */
    private static final Duration QUIET_WINDOW = Duration.ofMillis(200), QUIET_WAIT = Duration.ofSeconds(10);

    /** The most warm-up runs per engine and database before the throughput workload ({@link ThroughputSizing}). */
    private static final int MAX_WARM_UPS = 6;

    /** How far ahead the scale workload's backlog is due: never within a run. */
    static final Duration BACKLOG_AHEAD = Duration.ofHours(3);

    /**
     * What to run; {@link #smoke(Path, List)} is small enough for a test.
     *
     * @param throughputTasks the throughput workload's N, or its least N when {@code throughputTarget}
     *     is set
     * @param throughputTarget how long each engine's throughput run should last: its N is its highest
     *     warm-up rate times this, between {@code throughputTasks} and {@code throughputMaxTasks}
     *     ({@link ThroughputSizing}), so that a fast engine is measured for several seconds (issue 5:
     *     "N large enough to last several seconds") while a slow one still fits the time bound; zero
     *     for the same N for all
     * @param latenessGroup how many of the lateness workload's tasks share a due instant: groups come
     *     {@code latenessGroup / latenessPerSecond} seconds apart
     * @param latenessBurst how long the lateness warm-up submits single tasks as fast as it can
     */
    public record Config(
            int repetitions,
            int threads,
            int throughputTasks,
            Duration throughputTarget,
            int throughputMaxTasks,
            int latenessSeconds,
            int latenessPerSecond,
            int latenessGroup,
            Duration latenessBurst,
            int httpTasks,
            int httpClients,
            Duration httpWarmUp,
            int futureTasks,
            Duration futureBudget,
            Duration runBound,
            List<String> databases,
            List<String> engines,
            String postgresUrl,
            Path output) {

        /** The options {@link #with} knows. */
        static final List<String> OPTIONS = List.of(
                "repetitions",
                "threads",
                "throughput-tasks",
                "throughput-seconds",
                "throughput-max-tasks",
                "lateness-seconds",
                "lateness-per-second",
                "lateness-group",
                "future-tasks",
                "databases",
                "engines",
                "postgres-url");

        static Config defaults() {
            return new Config(
                    3,
                    Math.min(32, Runtime.getRuntime().availableProcessors() + 4),
                    1_000,
                    Duration.ofSeconds(3),
                    200_000,
                    2,
                    200,
                    20,
                    Duration.ofSeconds(2),
                    1_000,
                    16,
                    Duration.ofSeconds(10),
                    1_000_000,
                    Duration.ofSeconds(8),
                    Duration.ofSeconds(10),
                    List.of("h2", "postgres"),
                    PeerReport.ENGINES,
                    "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&connectTimeout=3",
                    Path.of("target/bench/peers.json"));
        }

        /** Every workload once at a tiny size, on the given databases. */
        public static Config smoke(Path output, List<String> databases) {
            var defaults = defaults();
            return new Config(
                    1,
                    2,
                    50,
                    Duration.ofMillis(100),
                    60,
                    1,
                    20,
                    2,
                    Duration.ofMillis(100),
                    50,
                    2,
                    Duration.ZERO,
                    500,
                    Duration.ofSeconds(5),
                    // JobRunr's runs take the whole bound (it polls every 5 s at the least), about
                    // six of them per test: each second of bound costs the test about six.
                    Duration.ofSeconds(1),
                    databases,
                    PeerReport.ENGINES,
                    defaults.postgresUrl(),
                    output);
        }

        /** The same, with PostgreSQL looked for at {@code url}. */
        public Config withPostgresUrl(String url) {
            return with("postgres-url", url);
        }

        /** The same, with one command-line option ({@code --name=value}) applied. */
        Config with(String option, String value) {
            if (!OPTIONS.contains(option)) {
                throw new IllegalArgumentException("unknown option --" + option + "; known: " + OPTIONS);
            }
            var names = List.of(value.split(","));
            return new Config(
                    option.equals("repetitions") ? Integer.parseInt(value) : repetitions,
                    option.equals("threads") ? Integer.parseInt(value) : threads,
                    option.equals("throughput-tasks") ? Integer.parseInt(value) : throughputTasks,
                    option.equals("throughput-seconds")
                            ? Duration.ofMillis(Math.round(Double.parseDouble(value) * 1000))
                            : throughputTarget,
                    option.equals("throughput-max-tasks") ? Integer.parseInt(value) : throughputMaxTasks,
                    option.equals("lateness-seconds") ? Integer.parseInt(value) : latenessSeconds,
                    option.equals("lateness-per-second") ? Integer.parseInt(value) : latenessPerSecond,
                    option.equals("lateness-group") ? Integer.parseInt(value) : latenessGroup,
                    latenessBurst,
                    httpTasks,
                    httpClients,
                    httpWarmUp,
                    option.equals("future-tasks") ? Integer.parseInt(value) : futureTasks,
                    futureBudget,
                    runBound,
                    option.equals("databases") ? names : databases,
                    option.equals("engines") ? names : engines,
                    option.equals("postgres-url") ? value : postgresUrl,
                    output);
        }
    }

    private final Config config;
    private final Probe probe = new Probe();
    private final Map<String, Object> results = new LinkedHashMap<>();
    private final Map<String, Integer> boundedRuns = new LinkedHashMap<>();
    private final Map<String, String> failedRuns = new LinkedHashMap<>();
    /** JVM CPU microseconds per task of each measured throughput run, by engine. */
    private final Map<String, List<Double>> cpuPerTask = new LinkedHashMap<>();
    /** The same by group of threads ({@link ThreadCpu}), by engine. */
    private final Map<String, Map<String, List<Double>>> cpuByThread = new LinkedHashMap<>();
    /** How long each measured throughput run lasted (s), by engine; NaN for a run that failed. */
    private final Map<String, List<Double>> runSeconds = new LinkedHashMap<>();

    private final PeerReport report;

    private PeerBenchmark(Config config) {
        this.config = config;
        this.report = new PeerReport(config);
    }

    public static void main(String[] args) throws Exception {
        quietLogs();
        var config = Config.defaults();
        for (var arg : args) {
            var kv = arg.replaceFirst("^--", "").split("=", 2);
            config = config.with(kv[0], kv.length > 1 ? kv[1] : "");
        }
        run(config);
        System.exit(0);
    }

    /** Runs every workload on every database, prints the Markdown table, writes the JSON; returns the figures. */
    public static Map<String, Object> run(Config config) throws Exception {
        var bench = new PeerBenchmark(config);
        bench.results.put("date", Instant.now().toString());
        bench.results.put("machine", machine());
        bench.results.put("config", config.toString());
        var databases = new LinkedHashMap<String, Object>();
        bench.results.put("databases", databases);
        for (var name : config.databases()) {
            var database = bench.database(name);
            if (database == null) {
                databases.put(name, Map.of("skipped", "PostgreSQL at " + config.postgresUrl() + " is not reachable"));
                bench.report.skipped(name, "PostgreSQL is not reachable at " + config.postgresUrl());
                continue;
            }
            databases.put(database.name(), bench.onDatabase(database));
        }
        var table = bench.report.markdown(bench.results);
        System.out.println(table);
        bench.results.put("markdown", table);
        Files.createDirectories(config.output().toAbsolutePath().getParent());
        Files.writeString(
                config.output(),
                JsonMapper.builder().build().writerWithDefaultPrettyPrinter().writeValueAsString(bench.results));
        System.out.println("Figures written to " + config.output().toAbsolutePath());
        return bench.results;
    }

    private BenchDatabase database(String name) throws Exception {
        return switch (name) {
            case "h2" -> BenchDatabase.h2();
            case "postgres" ->
                BenchDatabase.Postgres.reachable(config.postgresUrl())
                        ? BenchDatabase.postgres(config.postgresUrl())
                        : null;
            default -> throw new IllegalArgumentException("unknown database " + name + " (h2, postgres)");
        };
    }

    private Map<String, Object> onDatabase(BenchDatabase database) throws Exception {
        var tempora = new TemporaEngine(database, probe, config.threads());
        var engines = Stream.of(
                        tempora,
                        new DbSchedulerEngine(database, probe, config.threads()),
                        new QuartzEngine(database, probe, config.threads()),
                        new JobRunrEngine(database, probe, config.threads()),
                        new RawSqlEngine(database, probe, config.threads()),
                        new StpeEngine(probe, config.threads()))
                .filter(engine -> engine == tempora || config.engines().contains(engine.name()))
                .toList();
        var figures = new LinkedHashMap<String, Object>();
        var started = new ArrayList<Engine>();
        try {
            for (var engine : engines) {
                progress("{}: starting {}", database.name(), engine.name());
                engine.start();
                started.add(engine);
            }
            figures.put("throughput", guarded(database, "throughput", () -> throughput(database, engines)));
            figures.put("lateness", guarded(database, "lateness", () -> lateness(database, engines)));
            figures.put("submit", guarded(database, "submit", () -> submit(database, tempora)));
            figures.put("future", guarded(database, "future", () -> future(database, engines, started)));
            figures.put("webhooks", "measured by TemporaBenchmark (the peers have no webhooks)");
        } finally {
            for (var engine : started) {
                engine.stop();
            }
            database.dispose(engines.stream().map(Engine::name).toList());
        }
        return figures;
    }

    private interface Workload {
        Map<String, Object> run() throws Exception;
    }

    /** A workload that fails is reported as failed; the others still run. */
    private Map<String, Object> guarded(BenchDatabase database, String name, Workload workload) {
        try {
            return workload.run();
        } catch (Exception | AssertionError failure) {
            progress("{}: workload {} failed: {}", database.name(), name, failure);
            report.failed(database.name(), name, failure.toString());
            return Map.of("failed", failure.toString());
        }
    }

    /**
     * Workload 1: N zero-work tasks due now, tasks/s from the first submit to the last durable
     * completion. Each engine's N is sized from its own warm-ups to last it about the same time
     * ({@link Config#throughputTarget}, {@link ThroughputSizing}), so each is measured for several
     * seconds, and a slow one still fits the time bound.
     */
    private Map<String, Object> throughput(BenchDatabase database, List<Engine> engines) throws Exception {
        var sizings = config.repetitions() > 1 || config.throughputTarget().isPositive()
                ? sizedWarmUps(database, engines)
                : new LinkedHashMap<String, ThroughputSizing>();
        engines.forEach(engine -> sizings.putIfAbsent(
                engine.name(),
                new ThroughputSizing(config.throughputTasks(), config.throughputMaxTasks(), Duration.ZERO)));
        boundedRuns.clear();
        cpuPerTask.clear();
        cpuByThread.clear();
        runSeconds.clear();
        var runs = new LinkedHashMap<String, List<Double>>();
        var resized = new LinkedHashMap<String, Integer>();
        var runTasks = new LinkedHashMap<String, List<Integer>>();
        for (int r = 0; r < config.repetitions(); r++) {
            for (var engine : engines) {
                if (boundedRuns.containsKey(engine.name())) {
                    continue; // one run at the bound says it; the same again would only cost the bound
                }
                var sizing = sizings.get(engine.name());
                int n = sizing.tasks();
                Measured run;
                while (true) {
                    int size = n;
                    progress("{}: throughput run {} on {} ({} tasks)", database.name(), r + 1, engine.name(), size);
                    run = attempt(engine, () -> measuredThroughput(engine, size), Measured.FAILED);
                    var again = boundedRuns.containsKey(engine.name())
                            ? OptionalInt.empty()
                            : sizing.resized(
                                    size,
                                    run.throughput().perSecond(),
                                    run.throughput().seconds());
                    if (again.isEmpty()) {
                        break;
                    }
                    n = again.getAsInt();
                    progress(
                            "{}: {} s, too short to measure: a warm-up after all; again with {} tasks",
                            engine.name(),
                            Stats.fmt(run.throughput().seconds()),
                            n);
                    resized.merge(engine.name(), 1, Integer::sum);
                }
                runTasks.computeIfAbsent(engine.name(), k -> new ArrayList<>()).add(n);
                record(engine, run);
                runs.computeIfAbsent(engine.name(), k -> new ArrayList<>())
                        .add(run.throughput().perSecond());
                runSeconds
                        .computeIfAbsent(engine.name(), k -> new ArrayList<>())
                        .add(run.throughput().seconds());
            }
        }
        var tasks = new LinkedHashMap<String, Integer>();
        sizings.forEach((engine, sizing) -> tasks.put(engine, sizing.tasks()));
        var out = new LinkedHashMap<String, Object>();
        out.put("tasks", tasks);
        out.put("tasks_per_s", summaries(runs));
        out.put("runs", runs);
        out.put("tempora_over_peer", ratios(runs, false));
        out.put("jvm_cpu_us_per_task", summaries(cpuPerTask));
        out.put("jvm_cpu_runs", new LinkedHashMap<>(cpuPerTask));
        out.put("jvm_cpu_by_thread_us_per_task", summariesByGroup(cpuByThread));
        out.put("run_seconds", summaries(runSeconds));
        out.put("run_seconds_runs", new LinkedHashMap<>(runSeconds));
        out.put("runs_cut_at_bound", new LinkedHashMap<>(boundedRuns));
        out.put("runs_taken_as_warm_ups", resized);
        out.put("tasks_runs", runTasks);
        out.put("failed_runs", new LinkedHashMap<>(failedRuns));
        failedRuns.clear();
        report.throughput(database.name(), tasks, out);
        return out;
    }

    /**
     * Warms the engines up and returns each one's N, the one that should last it the target:
     * warm-ups at the N sized so far until one lasts long enough ({@link ThroughputSizing}), at
     * most {@link #MAX_WARM_UPS} each. Interleaved by round, as the measured runs are: back to
     * back, an engine's warm-ups ran slower than its measured runs then did (Tempora on H2: 8,200
     * tasks/s by its fifth warm-up, 16,000-20,000 in its measured runs; interleaved, 16,600 by its
     * fourth), likely waiting on the JIT compiler, whose backlog drains while the others run.
     */
    private Map<String, ThroughputSizing> sizedWarmUps(BenchDatabase database, List<Engine> engines) {
        var sizings = new LinkedHashMap<String, ThroughputSizing>();
        engines.forEach(engine -> sizings.put(
                engine.name(),
                new ThroughputSizing(
                        config.throughputTasks(), config.throughputMaxTasks(), config.throughputTarget())));
        for (int round = 1; round <= MAX_WARM_UPS; round++) {
            for (var engine : engines) {
                var sizing = sizings.get(engine.name());
                if (sizing.nextWarmUp().isEmpty()) {
                    continue;
                }
                int warmUp = sizing.nextWarmUp().getAsInt();
                progress("{}: throughput warm-up {} on {} ({} tasks)", database.name(), round, engine.name(), warmUp);
                var run = attempt(engine, () -> throughputOnce(engine, warmUp), Throughput.FAILED);
                sizing.warmedUp(warmUp, run.perSecond(), run.seconds());
                progress("{}: {} s, N {} so far", engine.name(), Stats.fmt(run.seconds()), sizing.tasks());
            }
        }
        return sizings;
    }

    /**
     * A measured run: besides its rate, the CPU time this JVM spent per task, all its threads
     * together (the engine, and H2 when embedded; not a PostgreSQL server's): what the engine
     * costs, beside how fast it went. It includes the collector and the JIT compiler.
     */
    private Measured measuredThroughput(Engine engine, int n) throws Exception {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpuBefore = os.getProcessCpuTime();
        var threadsBefore = ThreadCpu.now();
        var run = throughputOnce(engine, n);
        return new Measured(
                run,
                (os.getProcessCpuTime() - cpuBefore) / 1e3 / n,
                ThreadCpu.perTask(threadsBefore, ThreadCpu.now(), n));
    }

    /** A measured run's CPU figures, once it is known to stand (not taken as a warm-up, not failed). */
    private void record(Engine engine, Measured run) {
        if (run == Measured.FAILED) {
            return;
        }
        cpuPerTask.computeIfAbsent(engine.name(), k -> new ArrayList<>()).add(run.cpuPerTask());
        addByGroup(cpuByThread, engine, run.cpuByGroup());
    }

    /** A measured throughput run with the JVM's CPU per task (µs), in all and by group of threads. */
    private record Measured(Throughput throughput, double cpuPerTask, Map<String, Double> cpuByGroup) {
        static final Measured FAILED = new Measured(Throughput.FAILED, Double.NaN, Map.of());
    }

    /** Each engine's figures by group of threads, summarised. */
    private static Map<String, Map<String, Summary>> summariesByGroup(Map<String, Map<String, List<Double>>> runs) {
        var out = new LinkedHashMap<String, Map<String, Summary>>();
        runs.forEach((engine, groups) -> out.put(engine, summaries(groups)));
        return out;
    }

    /** Adds one run's figures by group of threads to an engine's lists. */
    private static void addByGroup(
            Map<String, Map<String, List<Double>>> runs, Engine engine, Map<String, Double> byGroup) {
        byGroup.forEach((group, figure) -> runs.computeIfAbsent(engine.name(), k -> new LinkedHashMap<>())
                .computeIfAbsent(group, k -> new ArrayList<>())
                .add(figure));
    }

    /** A throughput run's rate (tasks/s) and how long it lasted (s), from the first submit to the last durable completion or the bound. */
    private record Throughput(double perSecond, double seconds) {
        static final Throughput FAILED = new Throughput(Double.NaN, Double.NaN);
    }

    private Throughput throughputOnce(Engine engine, int n) throws Exception {
        int first = probe.begin(n);
        long start = System.nanoTime();
        engine.submitDueNow(first, n);
        if (awaitDone(engine, start + config.runBound().toNanos())) {
            double seconds = (System.nanoTime() - start) / 1e9;
            return new Throughput(n / seconds, seconds);
        }
        // Cut off by the bound: the rate is what ran within it.
        double seconds = (System.nanoTime() - start) / 1e9;
        var run = new Throughput(probe.ranCount() / seconds, seconds);
        bounded(engine);
        return run;
    }

    private interface Measurement<T> {
        T run() throws Exception;
    }

    /**
     * One engine's run; if it throws (an engine or its database failing), the run counts as
     * {@code failed} and is left out of the summaries, and the other engines go on.
     */
    private <T> T attempt(Engine engine, Measurement<T> measurement, T failed) {
        try {
            return measurement.run();
        } catch (Exception failure) {
            progress("{} failed a run: {}", engine.name(), failure);
            failedRuns.merge(engine.name(), failure.toString(), (a, b) -> a);
            return failed;
        }
    }

    /**
     * Waits until every task of the measurement has run (the probe) and the engine's store records
     * none of them as unfinished, so completion is durable completion; false if {@code deadline}
     * (a {@link System#nanoTime()}) comes first.
     */
    private boolean awaitDone(Engine engine, long deadline) throws InterruptedException {
        return probe.awaitAll(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))
                && storeDone(engine, deadline);
    }

    /**
     * Waits until the engine's store records no task before the {@link #horizon} as unfinished;
     * false if {@code deadline} (a {@link System#nanoTime()}) comes first.
     */
    private static boolean storeDone(Engine engine, long deadline) throws InterruptedException {
        while (engine.unfinishedDueBefore(horizon()) > 0) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }

    /** Leaves the rest of a run cut off by its bound: cancels what has not started, lets the rest finish. */
    private void bounded(Engine engine) throws Exception {
        bounded(engine, config.runBound());
    }

    private void bounded(Engine engine, Duration bound) throws Exception {
        progress("{} hit the {} bound; cancelling what has not started", engine.name(), bound);
        boundedRuns.merge(engine.name(), 1, Integer::sum);
        engine.cancelPending(horizon());
        // Only the store now: the cancelled tasks will never reach the probe.
        if (!storeDone(engine, System.nanoTime() + Duration.ofSeconds(10).toNanos())) {
            progress("{} still has unfinished tasks 10 s after the cancel; going on", engine.name());
        }
    }

    /** Excludes the scale workload's backlog, hours ahead, from "unfinished". */
    private static Instant horizon() {
        return Instant.now().plus(Duration.ofHours(1));
    }

    /**
     * Workload 2: groups of tasks due {@link #LEAD} after their submission, evenly spread, for a few
     * seconds; start (handler entered) minus due, per engine, repetitions interleaved across engines.
     */
    private Map<String, Object> lateness(BenchDatabase database, List<Engine> engines) throws Exception {
        // Warm-up, not counted. A burst of submissions of one task each, then a short run of the
        // workload: a submission call's path (a transaction, a commit, a checkpoint) runs only 10
        // to 200 times a second here, too few to be compiled within a run, and the timer's
        // paths and the engines' future-task queries are used by this workload alone. After a
        // one-second warm-up alone, with one task per due instant, the JIT compiler was on a core
        // for 10-40% of each measured run on Tempora (item 18).
        for (var engine : engines) {
            progress("{}: lateness warm-up on {}", database.name(), engine.name());
            attempt(engine, () -> submitBurst(engine), 0);
            attempt(engine, () -> latenessOnce(engine, LATENESS_WARM_UP_SECONDS), new double[0]);
        }
        boundedRuns.clear();
        var samples = new LinkedHashMap<String, List<double[]>>();
        // What else was on the two cores during a run: the tail is there.
        var cpu = new LinkedHashMap<String, Map<String, List<Double>>>();
        for (int r = 0; r < config.repetitions(); r++) {
            for (var engine : engines) {
                if (boundedRuns.containsKey(engine.name())) {
                    continue; // as for throughput: its later repetitions would only cost the bound
                }
                progress("{}: lateness run {} on {}", database.name(), r + 1, engine.name());
                awaitQuietH2();
                var threadsBefore = ThreadCpu.now();
                samples.computeIfAbsent(engine.name(), k -> new ArrayList<>())
                        .add(attempt(engine, () -> latenessOnce(engine, config.latenessSeconds()), new double[0]));
                addByGroup(cpu, engine, ThreadCpu.millis(threadsBefore, ThreadCpu.now()));
            }
        }
        var out = latenessFigures(samples);
        out.put("jvm_cpu_by_thread_ms_per_run", summariesByGroup(cpu));
        out.put("runs_cut_at_bound", new LinkedHashMap<>(boundedRuns));
        out.put("failed_runs", new LinkedHashMap<>(failedRuns));
        failedRuns.clear();
        report.lateness(
                database.name(), config.latenessPerSecond(), config.latenessGroup(), config.latenessSeconds(), out);
        return out;
    }

    /**
     * Submits one task per call, due {@link #LEAD} later, as fast as the engine takes them, for at
     * most {@code latenessBurst} or {@link #SUBMIT_BURST_TASKS}; waits for them to finish, or cancels
     * what has not started once {@code latenessBurst} more has gone by: by then the run path has been
     * compiled too, and a slow engine's rest would only cost time (JobRunr runs a few dozen a
     * second on H2, so it sat at the run bound; Quartz took 6 s for 5,000). Their ids are outside any measurement. Returns how
     * many it submitted.
     */
    private int submitBurst(Engine engine) throws Exception {
        int first = probe.reserve(SUBMIT_BURST_TASKS);
        long end = System.nanoTime() + config.latenessBurst().toNanos();
        int submitted = 0;
        while (submitted < SUBMIT_BURST_TASKS && System.nanoTime() < end) {
            engine.submitAt(first + submitted, List.of(Instant.now().plus(LEAD)));
            submitted++;
        }
        progress("{}: {} single-task submissions as a warm-up", engine.name(), submitted);
        Thread.sleep(LEAD.toMillis());
        if (!storeDone(engine, System.nanoTime() + config.latenessBurst().toNanos())) {
            bounded(engine, config.latenessBurst()); // not counted: the warm-ups' bounds are forgotten
        }
        return submitted;
    }

    private double[] latenessOnce(Engine engine, int seconds) throws Exception {
        int perGroup = Math.max(1, config.latenessGroup());
        int groups = Math.max(1, seconds * config.latenessPerSecond() / perGroup);
        long everyNanos = 1_000_000_000L * perGroup / Math.max(1, config.latenessPerSecond());
        var firstGroupAt = Instant.now().plusMillis(50);
        var due = new Instant[groups * perGroup];
        for (int g = 0; g < groups; g++) {
            var at = firstGroupAt.plusNanos(everyNanos * g).plus(LEAD);
            Arrays.fill(due, g * perGroup, (g + 1) * perGroup, at);
        }
        int first = probe.begin(due.length, due);
        var ticker = Executors.newSingleThreadScheduledExecutor();
        try {
            var submits = new ArrayList<java.util.concurrent.Future<?>>();
            for (int g = 0; g < groups; g++) {
                int group = g;
                var submitAt = firstGroupAt.plusNanos(everyNanos * g);
                submits.add(ticker.schedule(
                        () -> {
                            engine.submitAt(
                                    first + group * perGroup,
                                    Arrays.asList(due).subList(group * perGroup, (group + 1) * perGroup));
                            return null;
                        },
                        Math.max(0, Duration.between(Instant.now(), submitAt).toNanos()),
                        TimeUnit.NANOSECONDS));
            }
            for (var submit : submits) {
                submit.get();
            }
        } finally {
            ticker.shutdown();
        }
        var deadline = System.nanoTime() + config.runBound().toNanos();
        if (!awaitDone(engine, deadline)) {
            // Tasks that had not run count as starting at the bound: a lower bound of their lateness.
            var lateness = probe.latenessMillis();
            bounded(engine);
            return lateness;
        }
        return probe.latenessMillis();
    }

    private static Map<String, Object> latenessFigures(Map<String, List<double[]>> samples) {
        var out = new LinkedHashMap<String, Object>();
        var perQuantile = new LinkedHashMap<String, Map<String, List<Double>>>();
        for (var quantile : List.of("p50", "p99", "max")) {
            double q = quantile.equals("p50") ? 50 : quantile.equals("p99") ? 99 : 100;
            var runs = new LinkedHashMap<String, List<Double>>();
            samples.forEach((engine, list) -> runs.put(
                    engine, list.stream().map(s -> Stats.percentile(s, q)).toList()));
            perQuantile.put(quantile, runs);
            out.put(quantile + "_ms", summaries(runs));
            out.put(quantile + "_runs_ms", runs);
            out.put(quantile + "_tempora_over_peer", ratios(runs, true));
        }
        return out;
    }

    /** Workload 3: Tempora's submit over HTTP against its in-process path (the peers have no HTTP API). */
    private Map<String, Object> submit(BenchDatabase database, TemporaEngine tempora) throws Exception {
        progress("{}: submit over HTTP and in-process on tempora", database.name());
        var result = SubmitWorkload.measure(
                tempora.tasks(),
                tempora.port(),
                config.httpTasks(),
                config.httpClients(),
                config.repetitions(),
                config.httpWarmUp());
        var out = new LinkedHashMap<String, Object>();
        out.put("tasks", config.httpTasks());
        out.put("clients", config.httpClients());
        out.put("http_tasks_per_s", result.http());
        out.put("in_process_tasks_per_s", result.inProcess());
        out.put("http_over_in_process", result.ratio());
        report.submit(database.name(), config.httpTasks(), config.httpClients(), result);
        return out;
    }

    /**
     * Workload 4: a backlog of tasks hours ahead, inserted within a time budget per engine, split into
     * one turn per repetition; the engines take turns as in the other workloads, so that each turn's
     * rate pairs with the other engines' of the same repetition (one turn each, Tempora always first,
     * made every ratio hang on the order and on one run). The heap each engine's turns left held;
     * then, with every backlog in place, the lateness of tasks due meanwhile, after the same wait for
     * H2's threads as in workload 2. The durable engines are stopped afterwards.
     */
    private Map<String, Object> future(BenchDatabase database, List<Engine> engines, List<Engine> started)
            throws Exception {
        failedRuns.clear(); // what a workload that failed as a whole left here was reported with it
        var backlogs = new ArrayList<Backlog>();
        for (var engine : engines) {
            if (engine.durable()) {
                backlogs.add(new Backlog(engine, probe.reserve(config.futureTasks()), config.futureTasks()));
            }
        }
        long turn = config.futureBudget().toNanos() / config.repetitions();
        long heap = usedHeapAfterGc();
        for (int r = 0; r < config.repetitions(); r++) {
            for (var backlog : backlogs) {
                if (backlog.allIn() || backlog.failed) {
                    continue;
                }
                progress(
                        "{}: {} tasks {} ahead on {}, turn {} of {}",
                        database.name(),
                        config.futureTasks(),
                        BACKLOG_AHEAD,
                        backlog.engine.name(),
                        r + 1,
                        config.repetitions());
                boolean inserted = attempt(
                        backlog.engine,
                        () -> {
                            backlog.insertFor(turn);
                            return true;
                        },
                        false);
                // A failure is named in the table; what it inserted before stays measured.
                backlog.failed = !inserted;
                long after = usedHeapAfterGc();
                backlog.heapBytes += after - heap;
                heap = after;
            }
        }
        var out = new LinkedHashMap<String, Object>();
        var rates = new LinkedHashMap<String, List<Double>>();
        for (var backlog : backlogs) {
            progress("{}: lateness with the backlogs in place on {}", database.name(), backlog.engine.name());
            boundedRuns.clear();
            awaitQuietH2();
            var lateness = attempt(
                    backlog.engine, () -> latenessOnce(backlog.engine, config.latenessSeconds()), new double[0]);
            out.put(backlog.engine.name(), backlog.figures(lateness, !boundedRuns.isEmpty()));
            rates.put(backlog.engine.name(), backlog.rates);
        }
        out.put("insert_rate_tempora_over_peer", ratios(rates, false));
        out.put("failed_runs", new LinkedHashMap<>(failedRuns));
        failedRuns.clear();
        report.future(database.name(), config.futureTasks(), out);
        // Stopped here, each backlog's memory given back before the next database; one that fails to
        // stop is left to the stop of everything started, at the end.
        for (var backlog : backlogs) {
            backlog.engine.stop();
            started.remove(backlog.engine);
        }
        return out;
    }

    /** One engine's backlog of workload 4, inserted turn by turn. */
    private static final class Backlog {
        final Engine engine;
        final int firstId;
        final int tasks;
        final Instant base = Instant.now().plus(BACKLOG_AHEAD);
        /** The insert rate of each turn (tasks/s). */
        final List<Double> rates = new ArrayList<>();

        int inserted;
        /** An insert threw: no more turns. */
        boolean failed;

        long insertNanos;
        long heapBytes;
        /**
         * Sized from the rate so far to last about a second, so a slow engine overruns a turn by
         * about that much (a fixed 10,000 took Quartz on PostgreSQL 75 s for one slice).
         */
        int slice = FIRST_FUTURE_SLICE;

        Backlog(Engine engine, int firstId, int tasks) {
            this.engine = engine;
            this.firstId = firstId;
            this.tasks = tasks;
        }

        boolean allIn() {
            return inserted == tasks;
        }

        /** Inserts slices until {@code budgetNanos} has gone by, or all are in. */
        void insertFor(long budgetNanos) throws Exception {
            long start = System.nanoTime();
            int before = inserted;
            while (!allIn() && System.nanoTime() - start < budgetNanos) {
                int count = Math.min(slice, tasks - inserted);
                var due = new ArrayList<Instant>(count);
                for (int i = 0; i < count; i++) {
                    due.add(base.plusMillis(inserted + i));
                }
                engine.submitAt(firstId + inserted, due);
                inserted += count;
                double perSecond = inserted / ((insertNanos + System.nanoTime() - start) / 1e9);
                slice = (int) Math.clamp(perSecond, FIRST_FUTURE_SLICE, MAX_FUTURE_SLICE);
            }
            long took = System.nanoTime() - start;
            insertNanos += took;
            rates.add((inserted - before) / (took / 1e9));
        }

        Map<String, Object> figures(double[] lateness, boolean latenessCut) {
            double seconds = insertNanos / 1e9;
            var figures = new LinkedHashMap<String, Object>();
            figures.put("inserted", inserted);
            figures.put("complete", allIn());
            figures.put("insert_seconds", seconds);
            figures.put("insert_tasks_per_s", inserted / seconds);
            figures.put("insert_tasks_per_s_turns", rates);
            figures.put("projected_seconds_for_all", tasks / (inserted / seconds));
            figures.put("heap_delta_mb", heapBytes / 1048576.0);
            figures.put("lateness_cut_at_bound", latenessCut);
            figures.put("lateness_p50_ms", Stats.percentile(lateness, 50));
            figures.put("lateness_p99_ms", Stats.percentile(lateness, 99));
            figures.put("lateness_max_ms", Stats.percentile(lateness, 100));
            return figures;
        }
    }

    private static Map<String, Summary> summaries(Map<String, List<Double>> runs) {
        var out = new LinkedHashMap<String, Summary>();
        runs.forEach((engine, values) -> out.put(engine, summary(values)));
        return out;
    }

    /**
     * Tempora's figure over each other engine's, repetition by repetition. For lateness the floor
     * of 0.1 ms keeps a near-zero baseline from turning the ratio into noise.
     */
    private static Map<String, Summary> ratios(Map<String, List<Double>> runs, boolean lateness) {
        var tempora = runs.get("tempora");
        var out = new LinkedHashMap<String, Summary>();
        runs.forEach((engine, values) -> {
            if (engine.equals("tempora")) {
                return;
            }
            var ratios = new ArrayList<Double>();
            // Pairs only: an engine cut at the bound has no runs after that one (Tempora included).
            for (int i = 0; i < Math.min(values.size(), tempora.size()); i++) {
                double peer = values.get(i);
                double ours = tempora.get(i);
                ratios.add(lateness ? Math.max(ours, 0.1) / Math.max(peer, 0.1) : ours / peer);
            }
            out.put(engine, summary(ratios));
        });
        return out;
    }

    /** Median (min..max) of the runs that did not fail; all NaN when none succeeded. */
    private static Summary summary(List<Double> values) {
        var succeeded = values.stream().filter(value -> !Double.isNaN(value)).toList();
        return succeeded.isEmpty() ? new Summary(Double.NaN, Double.NaN, Double.NaN) : Summary.of(succeeded);
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        var memory = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return memory.getHeapMemoryUsage().getUsed();
    }

    private static String machine() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        return "%d cores, %s %s, Java %s"
                .formatted(os.getAvailableProcessors(), os.getName(), os.getArch(), Runtime.version());
    }

    /**
     * Waits, at most {@link #QUIET_WAIT}, until H2's threads in this JVM use under a twentieth of a
     * core over {@link #QUIET_WINDOW}. The engines' H2 files share those threads; a burst of
     * background work that one file's throughput phase left (stores, compaction) landed in whichever
     * engine's lateness run was under way: in Tempora's three at one time (its p99 4.75x the bare
     * executor's), in Quartz's and raw SQL's the next (Tempora's 1.46x; item 18). The same wait for
     * every engine: a run then measures what its engine does and causes, not another file's leftovers.
     */
    private static void awaitQuietH2() throws InterruptedException {
        long deadline = System.nanoTime() + QUIET_WAIT.toNanos();
        var before = ThreadCpu.now();
        if (before.isEmpty()) {
            return; // no /proc: nothing to tell by
        }
        while (true) {
            Thread.sleep(QUIET_WINDOW.toMillis());
            var after = ThreadCpu.now();
            double busy = ThreadCpu.millis(before, after).getOrDefault(ThreadCpu.H2, 0.0);
            if (busy < QUIET_WINDOW.toMillis() / 20.0) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                progress(
                        "H2's threads still busy ({} ms of CPU in the last {} ms) after {}: measuring anyway",
                        Math.round(busy),
                        QUIET_WINDOW.toMillis(),
                        QUIET_WAIT);
                return;
            }
            before = after;
        }
    }

    /** One line on stderr per step, so a long run shows where it is. */
    private static void progress(String format, Object... args) {
        var message = format.replace("{}", "%s").formatted(args);
        System.err.printf("[%tT] %s%n", System.currentTimeMillis(), message);
    }

    /** Quartz and JobRunr log at INFO/DEBUG before Spring configures logging: the table is the output. */
    static void quietLogs() {
        var root = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
    }
}
