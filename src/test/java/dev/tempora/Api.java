package dev.tempora;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
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

    /**
     * Sends {@code method target} exactly as written, which {@link URI} would refuse when it holds a
     * malformed escape such as {@code %ZZ}: HTTP/1.0 over a plain socket, read until the server closes.
     */
    public Response raw(String method, String target) {
        var address = uri("/");
        return raw("%s %s HTTP/1.0\r\nHost: %s:%d\r\nContent-Length: 0\r\n\r\n"
                .formatted(method, target, address.getHost(), address.getPort()));
    }

    /** Sends {@code request} byte for byte (ISO-8859-1) over a plain socket, read until the server closes. */
    public Response raw(String request) {
        var address = uri("/");
        try (var socket = new Socket()) {
            socket.connect(new InetSocketAddress(address.getHost(), address.getPort()), 5_000);
            socket.setSoTimeout(90_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            var answer = socket.getInputStream().readAllBytes();
            var all = new String(answer, StandardCharsets.ISO_8859_1); // one char a byte
            int end = all.indexOf("\r\n\r\n");
            var head = all.substring(0, end).split("\r\n");
            var headers = new TreeMap<String, List<String>>(String.CASE_INSENSITIVE_ORDER);
            for (int i = 1; i < head.length; i++) {
                int colon = head[i].indexOf(':');
                headers.computeIfAbsent(head[i].substring(0, colon).toLowerCase(Locale.ROOT), name -> new ArrayList<>())
                        .add(head[i].substring(colon + 1).strip());
            }
            var body = all.substring(end + 4);
            if (headers.getOrDefault("transfer-encoding", List.of()).contains("chunked")) {
                body = dechunked(body);
            }
            var text = new String(body.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
            return new Response(Integer.parseInt(head[0].split(" ")[1]), headers, text, parse(text));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A chunked body's content (one char a byte): each chunk's size line and trailing CRLF dropped. */
    private static String dechunked(String chunked) {
        var content = new StringBuilder();
        int at = 0;
        while (true) {
            int line = chunked.indexOf("\r\n", at);
            int size = Integer.parseInt(chunked.substring(at, line).strip(), 16);
            if (size == 0) {
                return content.toString();
            }
            content.append(chunked, line + 2, line + 2 + size);
            at = line + 2 + size + 2;
        }
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

    /** How many tasks are stored, in every state, as {@code /stats} counts them. */
    public long storedTasks() {
        long total = 0;
        for (var count : get("/api/v1/stats").body().path("tasks")) {
            total += count.asLong();
        }
        return total;
    }

    /** Reads a task, waiting up to {@code wait} for it to be done. */
    public JsonNode await(String id, Duration wait) {
        return get("/api/v1/tasks/" + id + "?wait=" + wait).body();
    }

    /**
     * A task's deliveries, read again every 50 ms until the first is SUCCEEDED; fails, naming what
     * was listed last, once {@code wait} has passed.
     */
    public JsonNode awaitFirstDeliverySucceeded(String taskId, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            var deliveries = get("/api/v1/tasks/" + taskId + "/deliveries").body();
            if (deliveries.path(0).path("state").asString("").equals("SUCCEEDED")) {
                return deliveries;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("never SUCCEEDED: " + deliveries);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
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
