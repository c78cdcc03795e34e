package dev.tempora.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tempora.Api;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The OpenAPI document passes Spectral's {@code spectral:oas} ruleset with no errors. Spectral is
 * an npm package pinned in {@code src/test/js} ({@code npm ci} there, as {@code .ci/run} does);
 * without it this test is skipped, saying so. The document's own promises are checked here too.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class OpenApiLintTests {

    static final Path TOOLS = Path.of("src/test/js");
    static final Path SPECTRAL = TOOLS.resolve("node_modules/.bin/spectral");

    @LocalServerPort
    int port;

    @Test
    void everyOperationHasASummaryAndEveryErrorResponseAProblemSchema() {
        var doc = new Api(port).get("/v3/api-docs").body();
        assertThat(doc.path("components").path("schemas").has("ProblemDetail")).isTrue();
        assertThat(doc.path("components")
                        .path("schemas")
                        .path("Task")
                        .path("example")
                        .path("state")
                        .asString())
                .isEqualTo("SUCCEEDED");
        doc.path("paths")
                .properties()
                .forEach(path -> path.getValue().properties().forEach(operation -> {
                    var where = operation.getKey() + " " + path.getKey();
                    assertThat(operation.getValue().path("summary").asString())
                            .as(where)
                            .isNotBlank();
                    operation.getValue().path("responses").properties().forEach(response -> {
                        if (response.getKey().startsWith("4")
                                || response.getKey().startsWith("5")) {
                            assertThat(response.getValue()
                                            .path("content")
                                            .path("application/problem+json")
                                            .path("schema")
                                            .path("$ref")
                                            .asString())
                                    .as(where + " " + response.getKey())
                                    .isEqualTo("#/components/schemas/ProblemDetail");
                        }
                    });
                }));
        assertThat(doc.path("paths").has("/api/v1/events")).isTrue();
        // Answers the framework gives without the controller declaring them.
        assertThat(doc.at("/paths/~1api~1v1~1queue/get/responses").has("400"))
                .as("a bad limit")
                .isTrue();
        assertThat(doc.at("/paths/~1api~1v1~1tasks~1{id}~1cancel/post/responses")
                        .has("400"))
                .as("a bad mayInterruptIfRunning")
                .isTrue();
        assertThat(doc.at("/paths/~1api~1v1~1tasks/post/responses").has("415"))
                .as("a body not sent as JSON")
                .isTrue();
    }

    @Test
    void passesSpectralOasWithNoErrors() throws IOException, InterruptedException {
        assumeTrue(
                Files.isExecutable(SPECTRAL),
                "Spectral is not installed: run `npm ci` in src/test/js (needs node and npm) to lint the OpenAPI"
                        + " document");
        var api = new Api(port).get("/v3/api-docs");
        assertThat(api.status()).isEqualTo(200);
        var dir = Files.createDirectories(Path.of("target/openapi"));
        var document = dir.resolve("openapi.json");
        Files.writeString(document, api.text(), StandardCharsets.UTF_8);
        var ruleset = dir.resolve(".spectral.yaml");
        Files.writeString(ruleset, "extends: [\"spectral:oas\"]\n", StandardCharsets.UTF_8);
        var report = dir.resolve("spectral.txt");

        var process = new ProcessBuilder(List.of(
                        SPECTRAL.toAbsolutePath().toString(),
                        "lint",
                        "--ruleset",
                        ruleset.toAbsolutePath().toString(),
                        "--fail-severity",
                        "error",
                        "--format",
                        "text",
                        document.toAbsolutePath().toString()))
                .redirectErrorStream(true)
                .redirectOutput(report.toFile())
                .start();
        assertThat(process.waitFor(3, TimeUnit.MINUTES)).as("spectral finished").isTrue();
        var output = Files.readString(report);
        assertThat(output).as("a document spectral recognises").doesNotContain("unrecognized-format");
        assertThat(process.exitValue()).as("spectral found errors:%n%s", output).isZero();
    }
}
