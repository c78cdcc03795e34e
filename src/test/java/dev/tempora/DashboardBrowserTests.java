package dev.tempora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The dashboard in a real browser: headless Chromium (Debian's {@code chromium}) driven by
 * Playwright ({@code playwright-core}, pinned in {@code src/test/js}) through
 * {@code src/test/js/dashboard.test.mjs}, against this running service. Screenshots go to
 * {@code target/screenshots/}. Skipped, saying why, without Chromium, node or {@code npm ci}.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            // A name long enough to crowd the pool panel's resize control.
            "tempora.pools.nightly-invoice-reconciliation-and-ledger-export-for-every-region.size=1",
            // A webhook's first retry after 3 s rather than 5, which a step waits for.
            "tempora.webhooks.retry-schedule=3s,5m"
        })
@Tag("h2-only") // a client of the API, which the suite tests on both databases
class DashboardBrowserTests {

    static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));

    @LocalServerPort
    int port;

    @Test
    void submittedTaskAppearsIsCancelledFromItsPageAndPoolIsResized() throws IOException, InterruptedException {
        assumeTrue(
                Files.isExecutable(CHROMIUM),
                "Chromium is not installed at " + CHROMIUM + ": apt-get install chromium (as .ci/run does)");
        assumeTrue(
                Files.isDirectory(NodeScript.TOOLS.resolve("node_modules/playwright-core")),
                "playwright-core is not installed: run `npm ci` in src/test/js (as .ci/run does)");
        var shots = Files.createDirectories(Path.of("target/screenshots"));
        var output = NodeScript.run(
                "dashboard.test.mjs",
                List.of("http://127.0.0.1:" + port, shots.toAbsolutePath().toString()),
                shots.resolve("dashboard.test.log"),
                Duration.ofMinutes(4));
        assertThat(output).contains("41 passed, 0 failed");
        assertThat(shots.resolve("overview.png")).exists();
        assertThat(shots.resolve("task-cancelled.png")).exists();
    }
}
