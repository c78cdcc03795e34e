package dev.tempora.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempora.Api;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keeps the soak runnable: 12 s at a low rate; no timing is asserted. */
@Tag("h2-only") // the service on an H2 file; the soak's PostgreSQL run is the same driver
class SoakBenchmarkTests {

    @Test
    void soakLosesNothingAndWritesItsSamples(@TempDir Path dir) throws Exception {
        var output = dir.resolve("soak.json");
        var result = SoakBenchmark.run(SoakBenchmark.Config.smoke(output));

        assertThat(result.accepted()).isPositive();
        assertThat(result.ended().values().stream().mapToLong(Long::longValue).sum())
                .isEqualTo(result.accepted());
        assertThat(result.lost()).isEmpty();
        assertThat(result.serverErrors()).isEmpty();
        assertThat(result.errorLines()).as("ERROR lines in the service's log").isEmpty();
        assertThat(result.undelivered()).as("webhook events not delivered").isEmpty();
        assertThat(result.samples()).extracting(SoakBenchmark.Sample::phase).contains("start", "load", "drained");
        var json = Api.json(Files.readString(output));
        assertThat(json.path("samples").size()).isEqualTo(result.samples().size());
        assertThat(json.path("accepted").asLong()).isEqualTo(result.accepted());
    }
}
