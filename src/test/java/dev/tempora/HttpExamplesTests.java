package dev.tempora;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The requests of {@code http-examples/*.http}, run top to bottom against this running service by
 * {@code src/test/js/http-examples.mjs} (node, no packages), each checked against its
 * {@code # Expect:} comment: the status, and the state or {@code errors[0].field} where it names
 * one. So the examples users copy from cannot drift from the API. Skipped without node.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Tag("h2-only") // a client of the API, which the suite tests on both databases; 20 s a pass
class HttpExamplesTests {

    @LocalServerPort
    int port;

    @Test
    void everyExampleGetsWhatItsCommentExpects() throws IOException, InterruptedException {
        List<String> files;
        try (var listing = Files.list(Path.of("http-examples"))) {
            files = listing.filter(file -> file.toString().endsWith(".http"))
                    .sorted()
                    .map(file -> file.toAbsolutePath().toString())
                    .toList();
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(8);

        var args = new ArrayList<>(List.of("http://127.0.0.1:" + port));
        args.addAll(files);
        var output =
                NodeScript.run("http-examples.mjs", args, Path.of("target/http-examples.log"), Duration.ofMinutes(3));
        assertThat(output).containsPattern("\\d+ passed, 0 failed");
    }
}
