package dev.tempora.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tempora.Api;
import dev.tempora.task.TaskEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.MissingNode;

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

    /**
     * The constraints API.md states are in the schemas, for generated clients and validators: they
     * were in descriptions only (README audit).
     */
    @Test
    void theSchemasCarryTheContractsConstraints() {
        var doc = new Api(port).get("/v3/api-docs").body();
        var schemas = doc.path("components").path("schemas");
        var task = schemas.path("Task");
        var required = new java.util.ArrayList<String>();
        task.path("required").forEach(name -> required.add(name.asString()));
        assertThat(required)
                .as("every field of the task resource is always there")
                .containsExactlyInAnyOrderElementsOf(task.path("properties").propertyNames());
        for (var instant : List.of("runAt", "createdAt", "startedAt", "finishedAt")) {
            assertThat(task.at("/properties/" + instant + "/format").asString())
                    .as(instant)
                    .isEqualTo("date-time");
        }
        assertThat(schemas.at("/PoolResize/required/0").asString()).isEqualTo("size");
        assertThat(schemas.at("/PoolResize/properties/size/maximum").asInt()).isEqualTo(1024);
        assertThat(schemas.at("/SubmitTask/additionalProperties").asBoolean(true))
                .as("an unknown field is a 400")
                .isFalse();
        assertThat(schemas.at("/SubmitTask/properties/callbackUrl/maxLength").asInt())
                .isEqualTo(2048);
        // Written out in two annotations: each must list the event types there are, no more.
        var eventTypes = Arrays.stream(TaskEvent.values()).map(TaskEvent::type).toList();
        for (var pointer :
                List.of("/SubmitTask/properties/callbackEvents/items/enum", "/WebhookDelivery/properties/type/enum")) {
            assertThat(schemas.at(pointer).valueStream().map(JsonNode::asString))
                    .as(pointer)
                    .containsExactlyInAnyOrderElementsOf(eventTypes);
        }
        assertThat(schemas.at("/WebhookDelivery/properties/state/enum").size()).isEqualTo(3);
        var limit = doc.at("/paths/~1api~1v1~1tasks/get/parameters")
                .valueStream()
                .filter(parameter -> parameter.path("name").asString().equals("limit"))
                .findFirst()
                .orElseThrow()
                .path("schema");
        assertThat(limit.path("type").asString()).isEqualTo("integer");
        assertThat(limit.path("maximum").asInt()).isEqualTo(500);
    }

    /**
     * What real answers carry, the document declares: the headers a client acts on, the body of
     * each status, and null wherever an answer can hold null (a generated client would refuse it).
     */
    @Test
    void theDocumentDeclaresWhatTheAnswersCarry() throws InterruptedException {
        var api = new Api(port);
        var doc = api.get("/v3/api-docs").body();
        var label = "openapi:" + UUID.randomUUID();

        var submitted = api.post(
                "/api/v1/tasks",
                "{\"handler\": \"echo\", \"args\": \"hi\", \"delay\": \"PT1H\", \"labels\": {\"openapi\": \"%s\"}}"
                        .formatted(label.substring("openapi:".length())));
        assertThat(submitted.status()).isEqualTo(201);
        assertThat(submitted.header("Location")).isNotNull();
        assertThat(doc.at("/paths/~1api~1v1~1tasks/post/responses/201/headers").has("Location"))
                .as("POST /tasks 201 declares Location")
                .isTrue();
        assertNullsAllowed(doc, "Task", submitted.body());

        var id = submitted.body().path("id").asString();
        var notDone = api.get("/api/v1/tasks/" + id + "/result");
        assertThat(notDone.status()).isEqualTo(202);
        assertThat(notDone.header("Retry-After")).isNotNull();
        var accepted = doc.at("/paths/~1api~1v1~1tasks~1{id}~1result/get/responses/202");
        assertThat(accepted.path("headers").has("Retry-After"))
                .as("202 declares Retry-After")
                .isTrue();
        assertThat(accepted.at("/content/application~1json/schema/$ref").asString())
                .as("202 is the task")
                .isEqualTo("#/components/schemas/Task");

        var page = api.get("/api/v1/tasks?label=" + label);
        assertThat(page.body().path("nextCursor").isNull()).isTrue();
        assertNullsAllowed(doc, "TaskPage", page.body());

        // The result is any JSON value, here a string: not an object.
        var done = api.submit("{\"handler\": \"echo\", \"args\": \"hi\"}");
        var result = api.get("/api/v1/tasks/" + done + "/result?wait=PT10S");
        assertThat(result.status()).isEqualTo(200);
        assertThat(result.body().asString()).isEqualTo("hi");
        assertThat(
                        allowsString(
                                doc,
                                doc.at(
                                        "/paths/~1api~1v1~1tasks~1{id}~1result/get/responses/200/content/application~1json/schema")))
                .as("200 of /result allows any JSON value")
                .isTrue();

        // An attempt that got no answer has neither status nor body.
        var hooked = api.submit("{\"handler\": \"echo\", \"callbackUrl\": \"http://127.0.0.1:1/hook\"}");
        JsonNode deliveries = MissingNode.getInstance();
        for (long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos(); System.nanoTime() < deadline; ) {
            deliveries = api.get("/api/v1/tasks/" + hooked + "/deliveries").body();
            if (!deliveries.path(0).path("attempts").isEmpty()) {
                break;
            }
            Thread.sleep(50);
        }
        var attempt = deliveries.path(0).path("attempts").path(0);
        assertThat(attempt.path("statusCode").isNull())
                .as(deliveries.toString())
                .isTrue();
        assertNullsAllowed(doc, "WebhookDelivery", deliveries.path(0));
        assertNullsAllowed(doc, "WebhookAttempt", attempt);
        assertThat(allowsNull(doc, doc.at("/components/schemas/WebhookDelivery/properties/nextAttemptAt")))
                .as("nextAttemptAt is null once the delivery ended")
                .isTrue();
        // What reads the database answers 503 while it is away; what is kept in memory does not.
        assertThat(doc.at("/paths/~1api~1v1~1tasks~1{id}/get/responses").has("503"))
                .isTrue();
        assertThat(doc.at("/paths/~1api~1v1~1handlers/get/responses").has("503"))
                .isFalse();
        assertThat(doc.at("/paths/~1api~1v1~1pools~1{name}/patch/responses").has("503"))
                .isFalse();
        assertThat(doc.at("/components/schemas/ProblemDetail/properties").has("taskIds"))
                .as("503 outcome-unknown and not-durable name the tasks")
                .isTrue();
    }

    private static void assertNullsAllowed(JsonNode doc, String schema, JsonNode answer) {
        var properties = doc.at("/components/schemas/" + schema + "/properties");
        answer.properties().forEach(field -> {
            if (field.getValue().isNull()) {
                assertThat(allowsNull(doc, properties.path(field.getKey())))
                        .as("%s.%s is null in an answer", schema, field.getKey())
                        .isTrue();
            }
        });
    }

    private static boolean allowsNull(JsonNode doc, JsonNode schema) {
        return allows(doc, schema, "null");
    }

    private static boolean allowsString(JsonNode doc, JsonNode schema) {
        return allows(doc, schema, "string");
    }

    /** Whether a JSON Schema (3.1: type may be a list) admits values of the given type. */
    private static boolean allows(JsonNode doc, JsonNode schema, String type) {
        if (schema.isMissingNode()) {
            return false;
        }
        if (schema.has("$ref")) {
            var name = schema.path("$ref").asString().substring("#/components/schemas/".length());
            return allows(doc, doc.at("/components/schemas/" + name), type);
        }
        if (schema.has("oneOf") || schema.has("anyOf")) {
            return Stream.concat(
                            schema.path("oneOf").valueStream(),
                            schema.path("anyOf").valueStream())
                    .anyMatch(option -> allows(doc, option, type));
        }
        var types = schema.path("type");
        if (types.isMissingNode()) {
            return true; // no type: any JSON value
        }
        return types.isArray()
                ? types.valueStream().anyMatch(t -> t.asString().equals(type))
                : types.asString().equals(type);
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
