package dev.tempora.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Keeps the benchmark runnable: each part once at a tiny size; no timing is asserted. */
@Tag("postgres")
class ClusterBenchmarkTests {

    @Test
    void benchmarkMeasuresEachInstanceCountAndFailover() throws Exception {
        var config = ClusterBenchmark.Config.smoke();
        var result = ClusterBenchmark.run(config);

        assertThat(result.tasksPerSecond()).containsOnlyKeys(1, 2);
        assertThat(result.tasksPerSecond().values())
                .allSatisfy(rate -> assertThat(rate.min()).isPositive());
        assertThat(result.failover())
                .hasValueSatisfying(failover -> assertThat(failover).isPositive());
        assertThat(ClusterBenchmark.markdown(config, result))
                .contains("| 1 |", "| 2 |", "of 10 ms each", "Failover after kill -9");
    }
}
