package dev.tempora.handler.builtin;

import dev.tempora.handler.InvalidArgumentsException;
import dev.tempora.handler.TaskContext;
import dev.tempora.handler.TaskHandler;
import dev.tempora.outbound.OutboundHttp;
import dev.tempora.outbound.OutboundPolicy;
import dev.tempora.outbound.OutboundRequest;
import dev.tempora.support.Durations;
import dev.tempora.support.JsonText;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * {@code http}: performs one HTTP request under the outbound policy. A non-2xx answer or a
 * connection error FAILS the task.
 */
@Component
class HttpHandler implements TaskHandler {

    private static final Set<String> METHODS = Set.of("GET", "POST", "PUT", "PATCH", "DELETE");
    /** RFC 9110's idempotent methods among them: sent again when the peer closed the connection unanswered. */
    private static final Set<String> IDEMPOTENT = Set.of("GET", "PUT", "DELETE");

    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    /** Headers the HTTP client writes from the body itself, and refuses to be given. */
    private static final Set<String> FRAMING = Set.of("content-length", "transfer-encoding");

    /** A header name: an RFC 9110 token. */
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+\\-.^_`|~0-9A-Za-z]+");

    /** A header value: visible characters, spaces and tabs, and obs-text (RFC 9110, field-value). */
    private static final Pattern FIELD_VALUE = Pattern.compile("[\\t\\x20-\\x7E\\x80-\\xFF]*");

    private static final int MAX_RESPONSE_BYTES = 1024 * 1024;

    private final OutboundHttp http;
    private final OutboundPolicy policy;
    private final ObjectMapper json;

    HttpHandler(OutboundHttp http, OutboundPolicy policy, ObjectMapper json) {
        this.http = http;
        this.policy = policy;
        this.json = json;
    }

    @Override
    public String name() {
        return "http";
    }

    @Override
    public String description() {
        return "Performs an HTTP request; args {\"method\", \"url\", \"headers\", \"body\", \"timeout\"}.";
    }

    @Override
    public void validate(JsonNode args) throws InvalidArgumentsException {
        if (!args.isObject()) {
            throw new InvalidArgumentsException("args", "must be an object with at least \"url\"");
        }
        Args.knownFields(args, Set.of("method", "url", "headers", "body", "timeout"));
        method(args);
        url(args);
        timeout(args, Durations::fromJson);
        headers(args);
    }

    @Override
    public Object handle(TaskContext context) throws Exception {
        var args = context.args();
        var body = args.get("body");
        byte[] bytes = null;
        String contentType = null;
        if (body != null && !body.isNull()) {
            bytes = body.isString() ? body.asString().getBytes(StandardCharsets.UTF_8) : json.writeValueAsBytes(body);
            contentType = body.isString() ? "text/plain; charset=utf-8" : "application/json";
        }
        var headers = headers(args);
        if (contentType != null && headers.keySet().stream().noneMatch("content-type"::equalsIgnoreCase)) {
            headers.put("Content-Type", contentType);
        }
        var url = url(args);
        var method = method(args);
        // Leniently: arguments stored by an earlier version may hold what it accepted.
        var timeout = timeout(args, Durations::fromStoredJson);
        // The whole body within the timeout: it is the task's result.
        var request = new OutboundRequest(
                method,
                url,
                headers,
                bytes,
                contentType,
                timeout,
                MAX_RESPONSE_BYTES,
                false,
                IDEMPOTENT.contains(method));
        var exchange = http.send(request);
        try {
            var response = exchange.get();
            var result = new LinkedHashMap<String, Object>();
            result.put("status", response.status());
            result.put("headers", response.headers());
            result.put("body", parseBody(response.bodyText(), response.contentType()));
            if (!response.isSuccess()) {
                throw new HttpStatusException(
                        "HTTP %d from %s: %s".formatted(response.status(), url, abbreviate(response.bodyText())));
            }
            return fitted(result, response.bodyText());
        } catch (InterruptedException interrupted) {
            exchange.cancel(true);
            throw interrupted;
        } catch (ExecutionException failed) {
            var cause = failed.getCause();
            if (cause instanceof TimeoutException || cause instanceof SocketTimeoutException) {
                throw new HttpConnectionException("no answer from %s within %s".formatted(url, timeout));
            }
            throw new HttpConnectionException("request to %s failed: %s".formatted(url, cause.getMessage()));
        }
    }

    /**
     * {@code result} as a task's result may hold it ({@link JsonText}): a body of up to 1 MiB,
     * once written as JSON with the status and headers (escapes count: a quote is two characters),
     * or parsed from JSON (nested over its depth), could be over it, and the task then FAILED. Such
     * a body is returned as text, cut shorter so that the result fits.
     */
    private Map<String, Object> fitted(Map<String, Object> result, String text) {
        try {
            var written = json.writeValueAsString(result);
            if (written.length() <= JsonText.MAX_CHARS && JsonText.depth(written) <= JsonText.MAX_DEPTH) {
                return result;
            }
        } catch (JacksonException tooDeep) {
            // Past the writer's nesting limit: as text, below.
        }
        result.put("body", "");
        int room = JsonText.MAX_CHARS - json.writeValueAsString(result).length();
        // The longest start of the text whose JSON string (quotes and escapes) fits in the room.
        int low = 0;
        int high = text.length();
        while (low < high) {
            int middle = (low + high + 1) >>> 1;
            if (json.writeValueAsString(start(text, middle)).length() - 2 <= room) {
                low = middle;
            } else {
                high = middle - 1;
            }
        }
        result.put("body", start(text, low));
        return result;
    }

    /** The first {@code length} characters of {@code text}, one fewer rather than half a character. */
    private static String start(String text, int length) {
        int end = length > 0 && Character.isHighSurrogate(text.charAt(length - 1)) ? length - 1 : length;
        return text.substring(0, end);
    }

    private Object parseBody(String text, String contentType) {
        if (contentType != null && contentType.toLowerCase(Locale.ROOT).contains("json")) {
            try {
                // Not a client's request: a field named twice in a remote answer is taken as sent (the
                // last wins), rather than turning the whole answer into a string.
                return json.readerFor(JsonNode.class)
                        .without(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                        .readValue(text);
            } catch (JacksonException notJson) {
                return text;
            }
        }
        return text;
    }

    private static String abbreviate(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }

    private static String method(JsonNode args) throws InvalidArgumentsException {
        var method = args.get("method");
        if (method == null || method.isNull()) {
            return "GET";
        }
        if (!method.isString() || !METHODS.contains(method.asString().toUpperCase(Locale.ROOT))) {
            throw new InvalidArgumentsException("args.method", "must be one of " + METHODS);
        }
        return method.asString().toUpperCase(Locale.ROOT);
    }

    private URI url(JsonNode args) throws InvalidArgumentsException {
        var url = args.get("url");
        if (url == null || !url.isString()) {
            throw new InvalidArgumentsException("args.url", "is required: an absolute http or https URL");
        }
        try {
            var uri = new URI(url.asString());
            var refusal = policy.refuseUrl(uri);
            if (refusal.isPresent()) {
                throw new InvalidArgumentsException("args.url", refusal.get());
            }
            return uri;
        } catch (URISyntaxException malformed) {
            throw new InvalidArgumentsException("args.url", "is not a valid URL: " + malformed.getReason());
        }
    }

    private static Duration timeout(JsonNode args, Function<JsonNode, Duration> reader)
            throws InvalidArgumentsException {
        var timeout = args.get("timeout");
        if (timeout == null || timeout.isNull()) {
            return DEFAULT_TIMEOUT;
        }
        try {
            var duration = reader.apply(timeout);
            if (duration.isNegative() || duration.isZero()) {
                throw new InvalidArgumentsException("args.timeout", "must be positive");
            }
            return duration;
        } catch (IllegalArgumentException invalid) {
            throw new InvalidArgumentsException("args.timeout", invalid.getMessage());
        }
    }

    private static Map<String, String> headers(JsonNode args) throws InvalidArgumentsException {
        var headers = new LinkedHashMap<String, String>();
        var node = args.get("headers");
        if (node == null || node.isNull()) {
            return headers;
        }
        if (!node.isObject()) {
            throw new InvalidArgumentsException("args.headers", "must be an object of strings");
        }
        for (var entry : node.properties()) {
            var field = "args.headers." + entry.getKey();
            if (!TOKEN.matcher(entry.getKey()).matches()) {
                throw new InvalidArgumentsException(
                        field, "names must be HTTP tokens (letters, digits, !#$%&'*+-.^_`|~)");
            }
            if (FRAMING.contains(entry.getKey().toLowerCase(Locale.ROOT))) {
                // The client frames the body itself and refused the request: every attempt failed.
                throw new InvalidArgumentsException(field, "is set from the body, not as a header");
            }
            if (!entry.getValue().isString()) {
                throw new InvalidArgumentsException(field, "must be a string");
            }
            if (!FIELD_VALUE.matcher(entry.getValue().asString()).matches()) {
                // The client would send CR and LF as spaces: the request would differ from the task's.
                throw new InvalidArgumentsException(
                        field, "must be visible characters, spaces and tabs (no CR, LF or other controls)");
            }
            headers.put(entry.getKey(), entry.getValue().asString());
        }
        return headers;
    }

    /** The request was answered with a non-2xx status. */
    static final class HttpStatusException extends Exception {
        private static final long serialVersionUID = 1L;

        HttpStatusException(String message) {
            super(message);
        }
    }

    /** The request got no answer: refused by the policy or the peer, cut off, or not answered in time. */
    static final class HttpConnectionException extends Exception {
        private static final long serialVersionUID = 1L;

        HttpConnectionException(String message) {
            super(message);
        }
    }
}
