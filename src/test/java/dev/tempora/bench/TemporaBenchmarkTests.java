package dev.tempora.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keeps the benchmark runnable: every workload at a tiny size; no timing is asserted. */
@Tag("h2-only") // an H2 file: PostgreSQL has its own multi-instance tests
class TemporaBenchmarkTests {

    @Test
    void benchmarkRunsEveryWorkloadAndWritesItsFigures(@TempDir Path dir) throws Exception {
        var output = dir.resolve("tempora.json");
        var results = TemporaBenchmark.run(TemporaBenchmark.Config.smoke(output));
        assertThat(results)
                .containsKeys(
                        "throughput_tasks_per_s",
                        "lateness",
                        "submit_http_tasks_per_s",
                        "submit_in_process_tasks_per_s",
                        "future_heap_delta_mb",
                        "webhook_deliveries_per_s",
                        "webhook_first_attempt_p99_ms");
        assertThat(Files.readString(output)).contains("throughput_tasks_per_s");
    }
}
