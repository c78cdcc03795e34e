package dev.tempora;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.MissingNode;

/** A small HTTP client for tests: real requests against a running Tempora, bodies as JSON trees. */
public final class Api {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final String base;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public Api(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    /** An HTTP answer: status, headers and the body parsed as JSON (MissingNode when empty or not JSON). */
    public record Response(int status, Map<String, List<String>> headers, String text, JsonNode body) {
        public String header(String name) {
            return headers.entrySet().stream()
                    .filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().getFirst())
                    .findFirst()
                    .orElse(null);
        }

        public String contentType() {
            return header("content-type");
        }

        /** The field names of the problem's {@code errors} array. */
        public List<String> errorFields() {
            return body.path("errors")
                    .valueStream()
                    .map(e -> e.path("field").asString())
                    .toList();
        }
    }

    public Response get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    public Response post(String path, String json) {
        return send(HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    public Response post(String path) {
        return send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.noBody()));
    }

    public Response patch(String path, String json) {
        return send(HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(json)));
    }

    public Response send(HttpRequest.Builder request) {
        try {
            var response =
                    http.send(request.timeout(Duration.ofSeconds(90)).build(), HttpResponse.BodyHandlers.ofString());
            return new Response(
                    response.statusCode(), response.headers().map(), response.body(), parse(response.body()));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Submits a task and returns its id; fails unless the answer is 201. */
    public String submit(String json) {
        var response = post("/api/v1/tasks", json);
        if (response.status() != 201) {
            throw new AssertionError("submit answered " + response.status() + ": " + response.text());
        }
        return response.body().path("id").asString();
    }

    /** Reads a task, waiting up to {@code wait} for it to be done. */
    public JsonNode await(String id, Duration wait) {
        return get("/api/v1/tasks/" + id + "?wait=" + wait).body();
    }

    public URI uri(String path) {
        return URI.create(base + path);
    }

    public static JsonNode json(String text) {
        return JSON.readTree(text);
    }

    private static JsonNode parse(String text) {
        if (text == null || text.isBlank()) {
            return MissingNode.getInstance();
        }
        try {
            return JSON.readTree(text);
        } catch (RuntimeException notJson) {
            return MissingNode.getInstance();
        }
    }
}
