package dev.tempora.support;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.headers.Header;
import io.swagger.v3.oas.models.info.Contact;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.JsonSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.tags.Tag;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.stereotype.Component;

/**
 * Completes the generated OpenAPI document so that it passes Spectral's {@code spectral:oas}
 * ruleset and says what the controllers' annotations cannot: every error response carries the
 * {@code ProblemDetail} schema (whoever adds an endpoint gets this for free), every operation a
 * description and a defined tag, the task resource a full example and honest nullability.
 */
@Component
class OpenApiDocument implements OpenApiCustomizer {

    private static final String PROBLEM = "ProblemDetail";
    private static final String PROBLEM_REF = "#/components/schemas/" + PROBLEM;
    private static final String PROBLEM_JSON = "application/problem+json";

    /** The GETs that carry an ETag and answer If-None-Match with 304 (see dev.tempora.live). */
    private static final Set<String> CONDITIONAL =
            Set.of("/api/v1/tasks", "/api/v1/tasks/{id}", "/api/v1/queue", "/api/v1/stats");

    /** The paths answered from memory alone: the others answer 503 while the database is away. */
    private static final Set<String> WITHOUT_DATABASE =
            Set.of("/api/v1/handlers", "/api/v1/pools", "/api/v1/pools/{name}", "/api/v1/events");

    private static final Map<String, String> TAGS = new LinkedHashMap<>();

    static {
        TAGS.put("Tasks", "Submit tasks, read them like futures, cancel, list, and the queue");
        TAGS.put("Events", "Task state changes as they happen (Server-Sent Events)");
        TAGS.put("Pools", "The worker pools, resized live");
        TAGS.put("Stats", "Counts, pools and dispatch lateness, for dashboards");
        TAGS.put("Handlers", "What tasks can run");
    }

    @Override
    public void customise(OpenAPI openApi) {
        openApi.info(new Info()
                .title("Tempora")
                .version("v1")
                .description("A durable REST scheduling service: tasks run after a delay or at an instant, in"
                        + " sched order, on managed thread pools, and are read like a Future. Errors are"
                        + " RFC 9457 problems (application/problem+json). GETs of a task, the task list, the"
                        + " queue and the stats carry an ETag and answer If-None-Match with 304.")
                .contact(new Contact().name("Tempora maintainers")));
        var schemas = openApi.getComponents().getSchemas();
        schemas.put(PROBLEM, problemSchema());
        schemas.put("FieldProblem", fieldProblemSchema());
        // The event stream is documented as text; the emitter's own schema would be an unused stray.
        schemas.remove("SseEmitter");
        // JsonNode introspected is Jackson's API, not the data: it stands for any JSON value.
        if (schemas.containsKey("JsonNode")) {
            schemas.put("JsonNode", new JsonSchema().description("Any JSON value"));
        }
        if (schemas.get("Task") instanceof Schema<?> task) {
            describeTask(task);
        }
        schemas.values().forEach(OpenApiDocument::timestamps);
        nullable(schemas.get("TaskPage"), "nextCursor");
        nullable(schemas.get("WebhookDelivery"), "nextAttemptAt");
        nullable(schemas.get("WebhookAttempt"), "statusCode", "error", "responseBody");
        var used = new LinkedHashSet<String>();
        if (openApi.getPaths() != null) {
            openApi.getPaths().forEach((name, path) -> {
                if (CONDITIONAL.contains(name) && path.getGet() != null) {
                    conditional(path.getGet());
                }
                // BrowserSafetyFilter: what a browser marks as sent from another origin's page.
                path.readOperationsMap().forEach((method, operation) -> {
                    if (method != PathItem.HttpMethod.GET && operation.getResponses() != null) {
                        operation
                                .getResponses()
                                .computeIfAbsent(
                                        "403",
                                        code -> new ApiResponse()
                                                .description("A browser sent this change from another origin's page"
                                                        + " (Sec-Fetch-Site cross-site or same-site; without it, an Origin"
                                                        + " other than the Host): cross-site-request"));
                    }
                });
                path.readOperations().forEach(operation -> {
                    if (!WITHOUT_DATABASE.contains(name) && operation.getResponses() != null) {
                        operation
                                .getResponses()
                                .computeIfAbsent(
                                        "503",
                                        code -> new ApiResponse()
                                                .description("The database is away (database-unavailable), with"
                                                        + " Retry-After"));
                    }
                    complete(operation);
                    if (operation.getTags() != null) {
                        used.addAll(operation.getTags());
                    }
                });
            });
        }
        var tags = new ArrayList<Tag>();
        TAGS.forEach((name, description) -> tags.add(new Tag().name(name).description(description)));
        used.stream()
                .filter(name -> !TAGS.containsKey(name))
                .forEach(name -> tags.add(new Tag().name(name).description(name)));
        openApi.setTags(tags);
    }

    private static void complete(Operation operation) {
        if (operation.getSummary() == null || operation.getSummary().isBlank()) {
            operation.setSummary(operation.getOperationId());
        }
        if (operation.getDescription() == null || operation.getDescription().isBlank()) {
            operation.setDescription(operation.getSummary() + ".");
        }
        if (operation.getParameters() != null) {
            operation.getParameters().forEach(OpenApiDocument::exampleAsArray);
        }
        if (operation.getResponses() == null) {
            return;
        }
        // What every operation can answer, whether or not its controller declares it: a query
        // parameter it does not take, or one given twice, is refused (QueryParameters).
        operation
                .getResponses()
                .computeIfAbsent(
                        "400",
                        code -> new ApiResponse()
                                .description(
                                        "A query parameter is invalid, unknown, or given twice (named in errors)"));
        if (operation.getRequestBody() != null) {
            operation
                    .getResponses()
                    .computeIfAbsent(
                            "415", code -> new ApiResponse().description("The body is not sent as application/json"));
        }
        operation.getResponses().forEach((code, response) -> {
            if (code.length() == 3 && (code.startsWith("4") || code.startsWith("5"))) {
                problem(response);
            }
        });
    }

    private static void conditional(Operation get) {
        if (get.getResponses() == null || get.getResponses().containsKey("304")) {
            return; // already described (the document is customised once per build of it)
        }
        get.addParametersItem(new Parameter()
                .in("header")
                .name("If-None-Match")
                .description("ETags of copies you hold: 304 when one is current")
                .required(false)
                .schema(string("One or more ETags, or *"))
                .example("W/\"s.mwr89mwqnv.42.1qx2bjkv92s1b\""));
        var ok = get.getResponses().get("200");
        if (ok != null) {
            ok.addHeaderObject(
                    "ETag",
                    new Header()
                            .description("Identifies this version; send it back in If-None-Match")
                            .schema(string("A weak entity tag")));
        }
        get.getResponses()
                .addApiResponse(
                        "304",
                        new ApiResponse()
                                .description("Not modified: If-None-Match holds the current ETag; no body")
                                .addHeaderObject("ETag", new Header().schema(string("The current entity tag"))));
    }

    /** Every error answer is a problem: each of its media types gets the schema, or it gets ours. */
    private static void problem(ApiResponse response) {
        if (response.getContent() == null || response.getContent().isEmpty()) {
            response.setContent(new Content());
        }
        var content = response.getContent();
        if (!content.containsKey(PROBLEM_JSON)) {
            content.clear();
            content.addMediaType(PROBLEM_JSON, new MediaType());
        }
        content.values().forEach(media -> {
            if (media.getSchema() == null || media.getSchema().get$ref() == null) {
                media.setSchema(new JsonSchema().$ref(PROBLEM_REF));
            }
        });
    }

    /** A repeatable parameter's example is a list of values, not one value. */
    private static void exampleAsArray(Parameter parameter) {
        var schema = parameter.getSchema();
        if (schema != null && isArray(schema) && parameter.getExample() instanceof String single) {
            parameter.setExample(List.of(single));
        }
    }

    private static boolean isArray(Schema<?> schema) {
        return "array".equals(schema.getType())
                || (schema.getTypes() != null && schema.getTypes().contains("array"));
    }

    @SuppressWarnings({"unchecked", "rawtypes"}) // swagger-models' fluent setters return raw Schema
    private static Schema<?> problemSchema() {
        var example = new LinkedHashMap<String, Object>();
        example.put("type", "urn:tempora:problem:invalid-request");
        example.put("title", "Invalid request");
        example.put("status", 400);
        example.put("detail", "delay must be >= 0");
        example.put("instance", "/api/v1/tasks");
        example.put("errors", List.of(Map.of("field", "delay", "message", "must be >= 0")));
        return new JsonSchema()
                .types(Set.of("object"))
                .description("An RFC 9457 problem: every error answer is one (application/problem+json)")
                .addProperty(
                        "type",
                        string("A stable URI naming the kind of problem: urn:tempora:problem:<slug>")
                                .format("uri-reference"))
                .addProperty("title", string("A short human summary of the kind of problem"))
                .addProperty("status", new JsonSchema().types(Set.of("integer")).description("The HTTP status"))
                .addProperty("detail", string("What went wrong this time"))
                .addProperty("instance", string("The request path").format("uri-reference"))
                .addProperty(
                        "errors",
                        new JsonSchema()
                                .types(Set.of("array"))
                                .description("For invalid input: every invalid field")
                                .items(new JsonSchema().$ref("#/components/schemas/FieldProblem")))
                .addProperty(
                        "state",
                        string("For a task in the wrong state (409): the task's state, e.g. FAILED or CANCELLED"))
                .addProperty(
                        "exception",
                        new JsonSchema()
                                .$ref("#/components/schemas/TaskException")
                                .description("For the result of a FAILED task (409): what the handler threw"))
                .addProperty(
                        "taskIds",
                        new JsonSchema()
                                .types(Set.of("array"))
                                .description("For outcome-unknown and not-durable (503): the tasks the request"
                                        + " created or changed; read them rather than send the request again")
                                .items(new JsonSchema().types(Set.of("string"))))
                .example(example);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Schema<?> fieldProblemSchema() {
        return new JsonSchema()
                .types(Set.of("object"))
                .description("One invalid field of a request")
                .addProperty("field", string("The field, e.g. delay or labels.team"))
                .addProperty("message", string("What is wrong with it"))
                .required(List.of("field", "message"));
    }

    private static JsonSchema string(String description) {
        var schema = new JsonSchema();
        schema.types(Set.of("string")).description(description);
        return schema;
    }

    /** The API's instants ({@code runAt}, {@code nextAttemptAt}, an attempt's {@code at}) are RFC 3339 strings. */
    @SuppressWarnings("rawtypes")
    private static void timestamps(Schema<?> schema) {
        Map<String, Schema> properties = schema.getProperties();
        if (properties == null) {
            return;
        }
        properties.forEach((name, property) -> {
            if ((name.endsWith("At") || name.equals("at"))
                    && property.getTypes() != null
                    && property.getTypes().contains("string")) {
                property.setFormat("date-time");
            }
        });
    }

    /** The named fields of an object schema may also be null (3.1: "null" among their types). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void nullable(Schema<?> schema, String... names) {
        if (schema == null || schema.getProperties() == null) {
            return;
        }
        Map<String, Schema> properties = schema.getProperties();
        for (var name : names) {
            if (properties.get(name) instanceof Schema<?> property && property.getTypes() != null) {
                var types = new LinkedHashSet<>(property.getTypes());
                types.add("null");
                property.setTypes(types);
            }
        }
    }

    /** The task resource: which fields may be null, and an example of a whole task. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void describeTask(Schema<?> task) {
        Map<String, Schema> properties = task.getProperties();
        if (properties == null) {
            return;
        }
        nullable(task, "startedAt", "finishedAt", "timeout", "callbackUrl", "callbackEvents");
        // Every field is always there, null where it has no value (API.md's resource).
        task.setRequired(new ArrayList<>(properties.keySet()));
        if (properties.get("exception") instanceof Schema<?> exception && exception.get$ref() != null) {
            properties.put(
                    "exception",
                    new JsonSchema()
                            .description("Why the task FAILED; null otherwise")
                            .oneOf(List.of(
                                    new JsonSchema().$ref(exception.get$ref()),
                                    new JsonSchema().types(Set.of("null")))));
        }
        var example = new LinkedHashMap<String, Object>();
        example.put("id", "019ab0c4-5e2f-7a31-9c1d-2f4b6e8a0c12");
        example.put("handler", "sleep");
        example.put("args", Map.of("seconds", 2, "result", "hi"));
        example.put("priority", 0);
        example.put("runAt", "2026-11-22T10:00:05.000Z");
        example.put("createdAt", "2026-11-22T10:00:00.000Z");
        example.put("state", "SUCCEEDED");
        example.put("running", false);
        example.put("done", true);
        example.put("cancelled", false);
        example.put("result", "hi");
        example.put("exception", null);
        example.put("startedAt", "2026-11-22T10:00:05.003Z");
        example.put("finishedAt", "2026-11-22T10:00:07.004Z");
        example.put("attempts", 1);
        example.put("timeout", "PT30S");
        example.put("callbackUrl", "https://example.org/hooks/tempora");
        example.put("callbackEvents", List.of("task.cancelled", "task.failed", "task.succeeded"));
        example.put("pool", "default");
        example.put("labels", Map.of("team", "billing"));
        task.setExample(example);
    }
}
