package dev.tempora.bench;

import dev.tempora.TemporaProcess;
import dev.tempora.postgres.PostgresDatabase;
import dev.tempora.support.Durations;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import tools.jackson.databind.json.JsonMapper;

/**
 * End-to-end throughput of 1, 2 and 3 instances (separate processes) on one PostgreSQL with
 * default durability, and failover time after {@code kill -9} with default settings. Tasks are
 * written straight into the table (due a moment later) so that the figure is the dispatch path:
 * reserve, claim, run, record. By default they do no work, so the figure is what the instances
 * and the database can dispatch; with {@code --work=SECONDS} each sleeps that long, so it is
 * what their workers can run, the capacity a further instance adds. Needs PostgreSQL
 * (TEMPORA_TEST_POSTGRES_URL or Docker).
 *
 * <p>Run: {@code ./mvnw -B -q -Pbench verify -Dbench.main=dev.tempora.bench.ClusterBenchmark}
 * [{@code -Dbench.args="--work=0.02 --tasks=3000 --repetitions=3 --instances=3"}].
 */
public final class ClusterBenchmark {

    private ClusterBenchmark() {}

    /**
     * What to run. {@code properties} ({@code --name=value}) are given to every instance: none by
     * default, so the failover figure is the shipped settings'; the smoke test shortens it.
     */
    public record Config(
            int tasks, int repetitions, int instances, Duration work, boolean failover, List<String> properties) {

        static Config defaults() {
            return new Config(50_000, 3, 3, Duration.ZERO, true, List.of());
        }

        /**
         * Every part once, at a tiny size, and failover in about 2 s; small pools, as the suite's
         * other JVM may hold its own connections to the same server meanwhile.
         */
        static Config smoke() {
            return new Config(
                    60,
                    1,
                    2,
                    Duration.ofMillis(10),
                    true,
                    List.of(
                            "--tempora.cluster.heartbeat-interval=PT0.5S",
                            "--tempora.cluster.node-timeout=PT1.5S",
                            "--spring.datasource.hikari.maximum-pool-size=6"));
        }

        static Config parse(String... args) {
            var config = defaults();
            for (var arg : args) {
                var option = arg.replaceFirst("^--", "").split("=", 2);
                var value = option.length == 2 ? option[1] : "";
                config = switch (option[0]) {
                    case "tasks" -> config.with(Integer.parseInt(value), config.instances, config.work);
                    case "repetitions" ->
                        new Config(
                                config.tasks,
                                Integer.parseInt(value),
                                config.instances,
                                config.work,
                                config.failover,
                                config.properties);
                    case "instances" -> config.with(config.tasks, Integer.parseInt(value), config.work);
                    case "work" -> config.with(config.tasks, config.instances, Durations.parse(value));
                    default ->
                        throw new IllegalArgumentException(
                                "unknown option " + arg + "; known: --tasks, --repetitions, --instances, --work");
                };
            }
            return config;
        }

        private Config with(int tasks, int instances, Duration work) {
            return new Config(tasks, repetitions, instances, work, failover, properties);
        }
    }

    /** Tasks per second by number of instances, and the failover time (when measured). */
    public record Result(Map<Integer, Stats.Summary> tasksPerSecond, Optional<Duration> failover) {}

    public static void main(String[] args) throws Exception {
        var unavailable = PostgresDatabase.unavailable();
        if (unavailable.isPresent()) {
            System.out.println(unavailable.get());
            System.exit(0);
        }
        var config = Config.parse(args);
        var result = run(config);
        System.out.print(markdown(config, result));
        var out = Path.of("target/bench/cluster.json");
        Files.createDirectories(out.getParent());
        var figures = new LinkedHashMap<String, Object>();
        figures.put("work_ms", config.work().toMillis());
        result.tasksPerSecond()
                .forEach((instances, summary) -> figures.put("instances_" + instances + "_tasks_per_s", summary));
        result.failover().ifPresent(failover -> figures.put("failover_ms", failover.toMillis()));
        Files.writeString(
                out,
                JsonMapper.builder().build().writerWithDefaultPrettyPrinter().writeValueAsString(figures));
        // Tomcat's and Hikari's threads of the processes' clients are gone; this ends Maven's exec too.
        System.exit(0);
    }

    public static Result run(Config config) throws Exception {
        var tasksPerSecond = new LinkedHashMap<Integer, Stats.Summary>();
        for (int instances = 1; instances <= config.instances(); instances++) {
            tasksPerSecond.put(instances, Stats.Summary.of(throughput(config, instances)));
        }
        return new Result(tasksPerSecond, config.failover() ? Optional.of(failover(config)) : Optional.empty());
    }

    static String markdown(Config config, Result result) {
        var out = new StringBuilder();
        out.append("%n## Cluster benchmark, %s, PostgreSQL, %,d tasks %s, median (min..max) of %d runs%n%n"
                .formatted(
                        Instant.now(),
                        config.tasks(),
                        config.work().isZero()
                                ? "doing no work"
                                : "of %s ms each".formatted(config.work().toMillis()),
                        config.repetitions()));
        out.append("| Instances | Tasks/s | vs 1 |\n|---|---|---|\n");
        double single = result.tasksPerSecond().get(1).median();
        result.tasksPerSecond()
                .forEach((instances, summary) ->
                        out.append("| %d | %s | %.2f |%n".formatted(instances, summary, summary.median() / single)));
        result.failover()
                .ifPresent(failover -> out.append("%nFailover after kill -9 (%s): %,d ms%n"
                        .formatted(
                                config.properties().isEmpty() ? "defaults" : String.join(" ", config.properties()),
                                failover.toMillis())));
        return out.toString();
    }

    private static List<Double> throughput(Config config, int instances) throws Exception {
        var database = PostgresDatabase.newSchema();
        var dir = Files.createTempDirectory("tempora-cluster");
        var nodes = start(config, dir, database, instances);
        try {
            drain(database, Math.max(Math.min(1000, config.tasks()), config.tasks() / 10), config.work()); // warm-up
            var runs = new ArrayList<Double>();
            for (int r = 0; r < config.repetitions(); r++) {
                runs.add(drain(database, config.tasks(), config.work()));
            }
            return runs;
        } finally {
            nodes.forEach(TemporaProcess::close);
        }
    }

    /**
     * Inserts {@code tasks} due in a second, each sleeping {@code work} (none: the {@code echo}
     * handler), waits for all to succeed; tasks/s from first start to last end.
     */
    private static double drain(String database, int tasks, Duration work) throws Exception {
        execute(database, "delete from task");
        var handler =
                work.isZero() ? "'echo', null" : "'sleep', '{\"seconds\": %s}'".formatted(work.toMillis() / 1000.0);
        execute(
                database,
                "insert into task (id, handler, args, priority, run_at, created_at, state, attempts, pool)"
                        + " select gen_random_uuid(), " + handler + ", 0, now() + interval '1 second', now(),"
                        + " 'SCHEDULED', 0, 'default' from generate_series(1, " + tasks + ")");
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (count(database, "select count(*) from task where state = 'SUCCEEDED'") < tasks) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("tasks did not finish");
            }
            Thread.sleep(100);
        }
        double millis = count(
                database, "select (extract(epoch from max(finished_at) - min(started_at)) * 1000)::bigint from task");
        return tasks / Math.max(millis / 1000.0, 0.001);
    }

    /** Two instances; kill -9 the one running tasks: time until the first runs again. */
    private static Duration failover(Config config) throws Exception {
        var database = PostgresDatabase.newSchema();
        var dir = Files.createTempDirectory("tempora-failover");
        var nodes = start(config, dir, database, 2);
        try {
            execute(
                    database,
                    "insert into task (id, handler, args, priority, run_at, created_at, state, attempts, pool)"
                            + " select gen_random_uuid(), 'sleep', '{\"seconds\": 60}', 0, now(), now(), 'SCHEDULED', 0,"
                            + " 'default' from generate_series(1, 4)");
            while (count(database, "select count(*) from task where state = 'RUNNING'") < 4) {
                Thread.sleep(50);
            }
            // Kill the instance that runs them (one loader pass may well have taken all four).
            long runner = count(
                    database,
                    "select n.pid from task t join tempora_node n on n.id = t.owner where t.state = 'RUNNING'"
                            + " fetch first 1 rows only");
            nodes.stream()
                    .filter(node -> node.pid() == runner)
                    .findFirst()
                    .orElseThrow()
                    .kill();
            long killed = System.nanoTime();
            while (count(database, "select count(*) from task where attempts > 1") == 0) {
                if (System.nanoTime() - killed > Duration.ofMinutes(2).toNanos()) {
                    throw new IllegalStateException("no failover within 2 minutes");
                }
                Thread.sleep(20);
            }
            return Duration.ofNanos(System.nanoTime() - killed);
        } finally {
            nodes.forEach(TemporaProcess::close);
        }
    }

    private static List<TemporaProcess> start(Config config, Path dir, String database, int count) throws Exception {
        try (var starting = Executors.newFixedThreadPool(count)) {
            var futures = new ArrayList<java.util.concurrent.Future<TemporaProcess>>();
            for (int i = 0; i < count; i++) {
                var name = "node" + i;
                var args = new ArrayList<>(
                        List.of("--spring.datasource.url=" + database, "--logging.level.dev.tempora=WARN"));
                args.addAll(config.properties());
                futures.add(starting.submit(
                        (Callable<TemporaProcess>) () -> TemporaProcess.start(dir, name, args.toArray(String[]::new))));
            }
            var nodes = new ArrayList<TemporaProcess>();
            for (var future : futures) {
                nodes.add(future.get());
            }
            return nodes;
        }
    }

    private static void execute(String url, String sql) throws SQLException {
        try (var connection = DriverManager.getConnection(url);
                var statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private static long count(String url, String sql) throws SQLException {
        try (var connection = DriverManager.getConnection(url);
                var statement = connection.createStatement();
                var rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
