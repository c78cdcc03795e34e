package dev.tempora.bench.peer;

import dev.tempora.bench.Stats.Summary;
import dev.tempora.bench.ThreadCpu;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.flywaydb.core.Flyway;

/**
 * What each of the task table's indexes costs H2 on the durable path: a task's insert and the
 * update that records its start and outcome at once (the writes of the peer benchmark's
 * throughput workload, as {@code TaskInserts} and {@code TaskTransitions} make them), on the
 * shipped schema and without the listing indexes. Plain JDBC on one connection, so the figures are
 * H2's own: the CPU of every thread of this JVM (the writer, H2's background writer, the
 * collector, as {@link ThreadCpu} reads it) and the bytes allocated per task.
 *
 * <p>{@code ./mvnw -B -q -Pbench verify -Dbench.main=dev.tempora.bench.peer.H2IndexCost
 * [-Dbench.args="--tasks=20000 --rounds=7 --repetitions=3"]}
 */
public final class H2IndexCost {

    /** The variants: the indexes each drops from the shipped schema. */
    static final Map<String, List<String>> VARIANTS = variants();

    private static final String INSERT = "insert into task (id, handler, args, priority, run_at, created_at, state,"
            + " timeout_ms, callback_url, callback_events, pool, owner) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    /** The claim and the outcome of a run, folded into one update (TaskTransitions.startedAndEnded). */
    private static final String STARTED_AND_SUCCEEDED = "update task set state = 'SUCCEEDED', attempts = attempts + 1,"
            + " started_at = ?, owner = ?, result = ?, finished_at = ? where id = ? and state in ('SCHEDULED')"
            + " and (owner is null or owner = ?)";

    private static final int INSERT_CHUNK = 500;
    private static final int OUTCOME_BATCH = 100;
    private static final String OWNER = "bench-node";

    /** The sizes of a run. */
    public record Config(int tasks, int rounds, int repetitions) {
        static Config defaults() {
            return new Config(20_000, 7, 3);
        }

        public static Config smoke() {
            return new Config(200, 2, 1);
        }
    }

    /** One variant's figures: CPU microseconds per task (all threads) and kilobytes allocated per task. */
    public record Figures(Summary cpuMicros, Summary allocatedKb, Summary overShipped) {}

    private H2IndexCost() {}

    public static void main(String[] args) throws Exception {
        PeerBenchmark.quietLogs();
        var config = Config.defaults();
        for (var arg : args) {
            var kv = arg.replaceFirst("^--", "").split("=", 2);
            int value = Integer.parseInt(kv[1]);
            config = switch (kv[0]) {
                case "tasks" -> new Config(value, config.rounds(), config.repetitions());
                case "rounds" -> new Config(config.tasks(), value, config.repetitions());
                case "repetitions" -> new Config(config.tasks(), config.rounds(), value);
                default -> throw new IllegalArgumentException("unknown option --" + kv[0]);
            };
        }
        var figures = run(config);
        System.out.println(markdown(config, figures));
        System.exit(0);
    }

    /**
     * Every variant once per repetition, in turn, each on a new database file: per repetition, the
     * median of its measured rounds (after one unmeasured), then the median over repetitions.
     */
    public static Map<String, Figures> run(Config config) throws Exception {
        var cpu = new LinkedHashMap<String, List<Double>>();
        var allocated = new LinkedHashMap<String, List<Double>>();
        var files = BenchDatabase.h2();
        try {
            for (int r = 0; r < config.repetitions(); r++) {
                for (var variant : VARIANTS.entrySet()) {
                    var url = files.prepare("r" + r + "-" + variant.getKey().replace(' ', '-'));
                    var rounds = measure(config, url, variant.getValue());
                    cpu.computeIfAbsent(variant.getKey(), k -> new ArrayList<>())
                            .add(median(rounds, 0));
                    allocated
                            .computeIfAbsent(variant.getKey(), k -> new ArrayList<>())
                            .add(median(rounds, 1));
                }
            }
        } finally {
            files.dispose(List.of());
        }
        var shipped = cpu.get("shipped");
        var out = new LinkedHashMap<String, Figures>();
        cpu.forEach((variant, runs) -> {
            var ratios = new ArrayList<Double>();
            for (int i = 0; i < runs.size(); i++) {
                // NaN where the shipped schema's round took less CPU than the clock counts (tiny N).
                ratios.add(shipped.get(i) > 0 ? runs.get(i) / shipped.get(i) : Double.NaN);
            }
            out.put(variant, new Figures(Summary.of(runs), Summary.of(allocated.get(variant)), Summary.of(ratios)));
        });
        return out;
    }

    static String markdown(Config config, Map<String, Figures> figures) {
        var out = new StringBuilder(
                "\n## H2: what the task table's indexes cost, %,d tasks a round, %d rounds, %d repetitions\n\n"
                        .formatted(config.tasks(), config.rounds(), config.repetitions()));
        out.append("| Schema | JVM CPU per task, insert and outcome (µs) | ÷ shipped | Allocated per task (KB) |\n");
        out.append("|---|---|---|---|\n");
        figures.forEach((variant, f) -> out.append(
                "| %s | %s | %s | %s |\n".formatted(variant, f.cpuMicros(), f.overShipped(), f.allocatedKb())));
        return out.toString();
    }

    /** Each measured round's CPU µs and allocated KB per task, on a new database without {@code dropped}. */
    private static List<double[]> measure(Config config, String url, List<String> dropped) throws Exception {
        Flyway.configure()
                .dataSource(url, "sa", "")
                .locations("classpath:db/migration")
                .load()
                .migrate();
        var rounds = new ArrayList<double[]>();
        try (var connection = DriverManager.getConnection(url, "sa", "")) {
            try (var statement = connection.createStatement()) {
                for (var index : dropped) {
                    statement.execute("drop index " + index);
                }
            }
            connection.setAutoCommit(false);
            // No System.gc() between rounds: collecting a round's garbage is part of its cost, and in
            // steady state each round pays for about as much as it leaves.
            for (int round = 0; round <= config.rounds(); round++) {
                var cpu = ThreadCpu.now();
                long bytes = allocatedBytes();
                insertAndFinish(connection, config.tasks());
                if (round > 0) {
                    rounds.add(new double[] {
                        ThreadCpu.perTask(cpu, ThreadCpu.now(), config.tasks()).values().stream()
                                .mapToDouble(Double::doubleValue)
                                .sum(),
                        (allocatedBytes() - bytes) / 1024.0 / config.tasks()
                    });
                }
            }
            try (var statement = connection.createStatement()) {
                statement.execute("SHUTDOWN");
            }
        }
        return rounds;
    }

    /** Inserts {@code tasks} due now in chunks, then records each as started and succeeded, in batches. */
    private static void insertAndFinish(Connection connection, int tasks) throws SQLException {
        var now = OffsetDateTime.now(ZoneOffset.UTC);
        var ids = new ArrayList<UUID>(tasks);
        try (var insert = connection.prepareStatement(INSERT)) {
            for (int i = 0; i < tasks; i++) {
                var id = timeOrdered();
                ids.add(id);
                insert.setObject(1, id);
                insert.setString(2, "bench-probe");
                insert.setString(3, "{\"id\":" + i + "}");
                insert.setInt(4, 0);
                insert.setObject(5, now);
                insert.setObject(6, now);
                insert.setString(7, "SCHEDULED");
                insert.setNull(8, Types.BIGINT);
                insert.setString(9, null);
                insert.setString(10, null);
                insert.setString(11, "default");
                insert.setString(12, OWNER);
                insert.addBatch();
                if ((i + 1) % INSERT_CHUNK == 0 || i == tasks - 1) {
                    insert.executeBatch();
                    connection.commit();
                }
            }
        }
        try (var finish = connection.prepareStatement(STARTED_AND_SUCCEEDED)) {
            for (int i = 0; i < tasks; i++) {
                finish.setObject(1, now);
                finish.setString(2, OWNER);
                finish.setString(3, null);
                finish.setObject(4, now);
                finish.setObject(5, ids.get(i));
                finish.setString(6, OWNER);
                finish.addBatch();
                if ((i + 1) % OUTCOME_BATCH == 0 || i == tasks - 1) {
                    finish.executeBatch();
                    connection.commit();
                }
            }
        }
    }

    private static long sequence = System.currentTimeMillis() << 16;

    /** Increasing ids, as UUIDv7s are in their time part: where each index receives its new keys matters. */
    private static UUID timeOrdered() {
        return new UUID(sequence++, 0x8000_0000_0000_0000L);
    }

    /**
     * Bytes allocated so far by this JVM's platform threads, those that ended included: a sum over
     * the live threads went down when one ended during a round (-5 KB a task in one CI run).
     */
    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getTotalThreadAllocatedBytes();
    }

    private static double median(List<double[]> rounds, int column) {
        return Summary.of(rounds.stream().map(round -> round[column]).toList()).median();
    }

    private static Map<String, List<String>> variants() {
        var out = new LinkedHashMap<String, List<String>>();
        out.put("shipped", List.of());
        out.put("without task_handler_id", List.of("task_handler_id"));
        out.put("without task_state_id", List.of("task_state_id"));
        out.put("without both", List.of("task_handler_id", "task_state_id"));
        return out;
    }
}
