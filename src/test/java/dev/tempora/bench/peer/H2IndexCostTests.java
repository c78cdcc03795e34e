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
        assertThat(figures.values())
                .allSatisfy(f -> assertThat(f.allocatedKb().median()).isPositive());
        assertThat(figures.get("shipped").overShipped().median()).isEqualTo(1.0);
        assertThat(H2IndexCost.markdown(H2IndexCost.Config.smoke(), figures)).contains("| without both |");
    }
}
