package dev.tempora.bench;

import dev.tempora.TemporaProcess;
import dev.tempora.postgres.PostgresDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import tools.jackson.databind.json.JsonMapper;

/**
 * End-to-end throughput of 1, 2 and 3 instances (separate processes) on one PostgreSQL with
 * default durability, and failover time after {@code kill -9} with default settings. Tasks are
 * written straight into the table (due a moment later) so that the figure is the dispatch path:
 * reserve, claim, run, record. Needs PostgreSQL (TEMPORA_TEST_POSTGRES_URL or Docker).
 *
 * <p>Run: {@code ./mvnw -B -q -Pbench verify -Dbench.main=dev.tempora.bench.ClusterBenchmark}.
 */
public final class ClusterBenchmark {

    private ClusterBenchmark() {}

    public static void main(String[] args) throws Exception {
        int tasks = 50_000;
        int repetitions = 3;
        for (var arg : args) {
            if (arg.startsWith("--tasks=")) {
                tasks = Integer.parseInt(arg.substring(8));
            } else if (arg.startsWith("--repetitions=")) {
                repetitions = Integer.parseInt(arg.substring(14));
            }
        }
        var unavailable = PostgresDatabase.unavailable();
        if (unavailable.isPresent()) {
            System.out.println(unavailable.get());
            System.exit(0);
        }
        var results = new LinkedHashMap<String, Object>();
        var table = new ArrayList<String>();
        double single = 0;
        for (int instances = 1; instances <= 3; instances++) {
            var runs = throughput(instances, tasks, repetitions);
            var summary = Stats.Summary.of(runs);
            if (instances == 1) {
                single = summary.median();
            }
            results.put("instances_" + instances + "_tasks_per_s", summary);
            table.add("| %d | %s | %.2f |".formatted(instances, summary, summary.median() / single));
        }
        var failover = failover();
        results.put("failover_ms", failover.toMillis());
        System.out.printf(
                "%n## Cluster benchmark, %s, PostgreSQL, %,d zero-work tasks, median (min..max) of %d runs%n%n"
                        + "| Instances | Tasks/s | vs 1 |%n|---|---|---|%n%s%n%nFailover after kill -9 (defaults): %,d ms%n",
                Instant.now(), tasks, repetitions, String.join("\n", table), failover.toMillis());
        var out = Path.of("target/bench/cluster.json");
        Files.createDirectories(out.getParent());
        Files.writeString(
                out,
                JsonMapper.builder().build().writerWithDefaultPrettyPrinter().writeValueAsString(results));
        System.exit(0);
    }

    private static List<Double> throughput(int instances, int tasks, int repetitions) throws Exception {
        var database = PostgresDatabase.newSchema();
        var dir = Files.createTempDirectory("tempora-cluster");
        var nodes = start(dir, database, instances);
        try {
            drain(database, Math.max(1000, tasks / 10)); // warm-up
            var runs = new ArrayList<Double>();
            for (int r = 0; r < repetitions; r++) {
                runs.add(drain(database, tasks));
            }
            return runs;
        } finally {
            nodes.forEach(TemporaProcess::close);
        }
    }

    /** Inserts {@code tasks} due in a second, waits for all to succeed; tasks/s from first start to last end. */
    private static double drain(String database, int tasks) throws Exception {
        execute(database, "delete from task");
        execute(
                database,
                "insert into task (id, handler, priority, run_at, created_at, state, attempts, pool)"
                        + " select gen_random_uuid(), 'echo', 0, now() + interval '1 second', now(), 'SCHEDULED', 0,"
                        + " 'default' from generate_series(1, " + tasks + ")");
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

    /** Two instances, defaults; kill -9 the one running tasks: time until the first runs again. */
    private static Duration failover() throws Exception {
        var database = PostgresDatabase.newSchema();
        var dir = Files.createTempDirectory("tempora-failover");
        var nodes = start(dir, database, 2);
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

    private static List<TemporaProcess> start(Path dir, String database, int count) throws Exception {
        try (var starting = Executors.newFixedThreadPool(count)) {
            var futures = new ArrayList<java.util.concurrent.Future<TemporaProcess>>();
            for (int i = 0; i < count; i++) {
                var name = "node" + i;
                futures.add(starting.submit((Callable<TemporaProcess>) () -> TemporaProcess.start(
                        dir, name, "--spring.datasource.url=" + database, "--logging.level.dev.tempora=WARN")));
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
