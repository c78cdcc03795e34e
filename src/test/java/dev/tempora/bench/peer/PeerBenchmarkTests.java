package dev.tempora.bench.peer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps the peer benchmark runnable: every engine's workloads once at a tiny size on H2 (the
 * in-memory-free, file-backed setup the benchmark uses). No timing is asserted: figures from a
 * test run mean nothing.
 */
@Tag("h2-only") // runs the peers itself; once per build is enough
class PeerBenchmarkTests {

    @Test
    @SuppressWarnings("unchecked")
    void everyEngineRunsEveryWorkloadOnH2(@TempDir Path dir) throws Exception {
        var output = dir.resolve("peers.json");

        var results = PeerBenchmark.run(PeerBenchmark.Config.smoke(output, List.of("h2")));

        var h2 = (Map<String, Object>) ((Map<String, Object>) results.get("databases")).get("H2");
        assertThat(h2).containsKeys("throughput", "lateness", "submit", "future", "webhooks");
        var throughput = (Map<String, Object>) h2.get("throughput");
        assertThat(((Map<String, Object>) throughput.get("tasks_per_s")).keySet())
                .containsExactlyElementsOf(PeerReport.ENGINES);
        // Each engine's N, sized from its warm-up, stays between the least and the most allowed.
        assertThat((Map<String, Integer>) throughput.get("tasks"))
                .containsOnlyKeys(PeerReport.ENGINES)
                .allSatisfy((engine, n) -> assertThat(n).isBetween(50, 60));
        // How long each measured run lasted, per engine and run, also in the table.
        assertThat((Map<String, List<Double>>) throughput.get("run_seconds_runs"))
                .containsOnlyKeys(PeerReport.ENGINES)
                .allSatisfy((engine, seconds) -> assertThat(seconds).hasSize(1));
        assertThat((String) results.get("markdown")).contains("| 1. Throughput run length (s)");
        // Where each engine's CPU went, by group of threads (on Linux, where /proc tells), during
        // the throughput and the lateness runs.
        if (Files.isDirectory(Path.of("/proc/self/task"))) {
            var lateness = (Map<String, Object>) h2.get("lateness");
            for (var byThread : List.of(
                    throughput.get("jvm_cpu_by_thread_us_per_task"), lateness.get("jvm_cpu_by_thread_ms_per_run"))) {
                assertThat((Map<String, Map<String, Object>>) byThread)
                        .containsOnlyKeys(PeerReport.ENGINES)
                        .allSatisfy((engine, groups) ->
                                assertThat(groups).containsOnlyKeys("application", "h2", "gc", "jit", "jvm"));
            }
            assertThat((String) results.get("markdown")).contains("| 2. JVM CPU during a run, by thread");
        }
        var future = (Map<String, Object>) h2.get("future");
        assertThat(future.keySet())
                .containsExactly(
                        "tempora",
                        "db-scheduler",
                        "quartz",
                        "jobrunr",
                        "raw-sql",
                        "insert_rate_tempora_over_peer",
                        "failed_runs");
        // One turn per repetition, each engine's rate paired with Tempora's of the same turn.
        assertThat((Map<String, Object>) future.get("insert_rate_tempora_over_peer"))
                .containsOnlyKeys("db-scheduler", "quartz", "jobrunr", "raw-sql");
        assertThat((String) results.get("markdown")).contains("| 4. Insert rate: Tempora ÷ engine, paired by turn");
        assertThat(Files.readString(output)).contains("tempora_over_peer");
        assertThat((String) results.get("markdown")).contains("| Workload | tempora | db-scheduler |");
    }

    @Test
    @SuppressWarnings("unchecked")
    void postgresIsSkippedWithItsReasonWhenTheServerDoesNotAnswer(@TempDir Path dir) throws Exception {
        // Port 1 on loopback: refused at once, like a machine without PostgreSQL.
        var config = PeerBenchmark.Config.smoke(dir.resolve("peers.json"), List.of("postgres"))
                .withPostgresUrl("jdbc:postgresql://127.0.0.1:1/test?user=postgres&connectTimeout=2");

        var results = PeerBenchmark.run(config);

        var databases = (Map<String, Object>) results.get("databases");
        assertThat((Map<String, Object>) databases.get("postgres"))
                .containsEntry("skipped", "PostgreSQL at " + config.postgresUrl() + " is not reachable");
        assertThat((String) results.get("markdown")).contains("skipped: PostgreSQL is not reachable");
    }
}
