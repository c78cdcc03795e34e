package dev.tempora.task.web;

import dev.tempora.task.Task;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;
import java.util.Map;

/**
 * The body of {@code POST /api/v1/tasks}, for the OpenAPI document. The body is read by
 * {@link SubmitRequestParser}, which accepts the flexible forms (a duration as a string or a
 * number) and reports every invalid field at once.
 */
@Schema(name = "SubmitTask", additionalProperties = Schema.AdditionalPropertiesValue.FALSE)
record SubmitTaskRequest(
        @Schema(requiredMode = Schema.RequiredMode.REQUIRED, description = "A registered handler", example = "sleep")
        String handler,

        @Schema(description = "The handler's arguments, any JSON", example = "{\"seconds\": 2, \"result\": \"hi\"}")
        Object args,

        @Schema(
                description = "Run after this long (ISO-8601 string or number of seconds, >= 0); not with runAt",
                oneOf = {String.class, Double.class},
                minimum = "0",
                example = "PT5S")
        Object delay,

        @Schema(
                description = "Run at this RFC 3339 instant (past: due now); not with delay",
                format = "date-time",
                example = "2026-11-22T10:00:05.000Z")
        String runAt,

        @Schema(description = "Lower runs first; default 0", example = "0")
        Integer priority,

        @Schema(
                description = "Fail with TimeoutException after this long (> 0)",
                oneOf = {String.class, Double.class},
                example = "PT30S")
        Object timeout,

        @Schema(
                description = "Absolute http(s) URL that hears of the task's end",
                format = "iri", // non-ASCII characters are taken, and sent percent-encoded
                maxLength = 2048,
                example = "https://example.org/hooks/tempora")
        String callbackUrl,

        @ArraySchema(
                arraySchema =
                        @Schema(
                                description =
                                        "Which events callbackUrl hears of (at least one); default the three terminal ones",
                                example =
                                        "[\"task.started\", \"task.succeeded\", \"task.failed\", \"task.cancelled\"]"),
                minItems = 1,
                schema = @Schema(allowableValues = {"task.started", "task.succeeded", "task.failed", "task.cancelled"}))
        List<String> callbackEvents,

        @Schema(description = "A configured pool; default \"default\"", example = "default")
        String pool,

        @Schema(
                description = "At most 64; names 1-200 characters without ':', values at most 1000",
                maxProperties = Task.MAX_LABELS,
                example = "{\"team\": \"billing\"}")
        Map<String, String> labels) {}
