package dev.tempora.bench.peer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Keeps the benchmark runnable: every variant at a tiny size; no timing is asserted. */
@Tag("h2-only")
class H2IndexCostTests {

    @Test
    void everyVariantIsMeasuredOnItsOwnSchema() throws Exception {
        var figures = H2IndexCost.run(H2IndexCost.Config.smoke());

        assertThat(figures).containsOnlyKeys(H2IndexCost.VARIANTS.keySet());
        // A tiny round may take less CPU than the clock counts where the kernel keeps no schedstat
        // (10 ms ticks): the CPU is only required to be read, not to be above zero.
        assertThat(figures.values()).allSatisfy(f -> {
            assertThat(f.allocatedKb().median()).isPositive();
            assertThat(f.cpuMicros().min()).isNotNegative();
        });
        assertThat(H2IndexCost.markdown(H2IndexCost.Config.smoke(), figures))
                .contains(
                        "| shipped |", "| without task_handler_id |", "| without task_state_id |", "| without both |");
    }
}
