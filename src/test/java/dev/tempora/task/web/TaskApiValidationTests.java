package dev.tempora.task.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempora.Api;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Bad input gets a 4xx problem naming the field, stores nothing, and never a 5xx. */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "tempora.api.max-body-size=64KB")
class TaskApiValidationTests {

    @LocalServerPort
    int port;

    Api api;

    @BeforeEach
    void setUp() {
        api = new Api(port);
    }

    static Stream<Arguments> invalidSubmissions() {
        return Stream.of(
                Arguments.of("missing handler", "{}", "handler"),
                Arguments.of("null handler", "{\"handler\": null}", "handler"),
                Arguments.of("unknown handler", "{\"handler\": \"nope\"}", "handler"),
                Arguments.of("handler not a string", "{\"handler\": 5}", "handler"),
                Arguments.of(
                        "both delay and runAt",
                        "{\"handler\": \"echo\", \"delay\": 1, \"runAt\": \"2030-01-01T00:00:00Z\"}",
                        "runAt"),
                Arguments.of("negative delay", "{\"handler\": \"echo\", \"delay\": -1}", "delay"),
                Arguments.of("negative ISO delay", "{\"handler\": \"echo\", \"delay\": \"-PT1S\"}", "delay"),
                Arguments.of("delay not a duration", "{\"handler\": \"echo\", \"delay\": \"soon\"}", "delay"),
                Arguments.of("delay wrong type", "{\"handler\": \"echo\", \"delay\": true}", "delay"),
                // Longer than a JSON number may be: rounding one of a million digits (in a 1 MiB body) took 13 s.
                Arguments.of(
                        "delay string longer than a JSON number",
                        "{\"handler\": \"echo\", \"delay\": \"1.%s\"}".formatted("0".repeat(60_000)),
                        "delay"),
                Arguments.of("huge delay", "{\"handler\": \"echo\", \"delay\": 1e300}", "delay"),
                // Beyond double range: read as Infinity, which was a 500.
                Arguments.of("delay beyond double range", "{\"handler\": \"echo\", \"delay\": 1e400}", "delay"),
                Arguments.of(
                        "negative delay beyond double range", "{\"handler\": \"echo\", \"delay\": -1e400}", "delay"),
                Arguments.of("timeout beyond double range", "{\"handler\": \"echo\", \"timeout\": 1e400}", "timeout"),
                Arguments.of(
                        "http timeout beyond double range",
                        "{\"handler\": \"http\", \"args\": {\"url\": \"http://127.0.0.1/\", \"timeout\": 1e400}}",
                        "args.timeout"),
                Arguments.of("runAt not a timestamp", "{\"handler\": \"echo\", \"runAt\": \"tomorrow\"}", "runAt"),
                Arguments.of(
                        "runAt without offset", "{\"handler\": \"echo\", \"runAt\": \"2030-01-01T00:00:00\"}", "runAt"),
                // RFC 3339 requires the seconds, which ISO-8601 (and Java's parser) let out.
                Arguments.of(
                        "runAt without seconds", "{\"handler\": \"echo\", \"runAt\": \"2030-01-01T00:00Z\"}", "runAt"),
                Arguments.of(
                        "runAt with an offset in seconds",
                        "{\"handler\": \"echo\", \"runAt\": \"2030-01-01T00:00:00+01:00:30\"}",
                        "runAt"),
                // A number of seconds is a JSON number; in a string it was accepted as one.
                Arguments.of("delay a number in a string", "{\"handler\": \"echo\", \"delay\": \"1.5\"}", "delay"),
                Arguments.of(
                        "delay signed inside, a day by Java's reading",
                        "{\"handler\": \"echo\", \"delay\": \"-P-1D\"}",
                        "delay"),
                Arguments.of("priority with a fraction", "{\"handler\": \"echo\", \"priority\": 1.5}", "priority"),
                Arguments.of("priority beyond 32 bits", "{\"handler\": \"echo\", \"priority\": 3e9}", "priority"),
                // A 500: parsed, then no year in UTC.
                Arguments.of(
                        "runAt in a nine-digit year",
                        "{\"handler\": \"echo\", \"runAt\": \"+999999999-12-31T23:59:59-18:00\"}",
                        "runAt"),
                Arguments.of(
                        "runAt past year 9999",
                        "{\"handler\": \"echo\", \"runAt\": \"+99999-01-01T00:00:00Z\"}",
                        "runAt"),
                // In range as written, not in UTC: read back as +10000-01-01T00:59:59.000Z.
                Arguments.of(
                        "runAt past year 9999 in UTC",
                        "{\"handler\": \"echo\", \"runAt\": \"9999-12-31T23:59:59-01:00\"}",
                        "runAt"),
                Arguments.of(
                        "runAt before year 0001 in UTC",
                        "{\"handler\": \"echo\", \"runAt\": \"0001-01-01T00:00:00+01:00\"}",
                        "runAt"),
                Arguments.of(
                        "link-local callback",
                        "{\"handler\": \"echo\", \"callbackUrl\": \"http://169.254.169.254/x\"}",
                        "callbackUrl"),
                // The client frames the body itself: every attempt failed ("already present").
                Arguments.of(
                        "http Content-Length header",
                        "{\"handler\": \"http\", \"args\": {\"url\": \"http://127.0.0.1/\", \"method\": \"POST\","
                                + " \"body\": \"hi\", \"headers\": {\"Content-Length\": \"2\"}}}",
                        "args.headers.Content-Length"),
                Arguments.of(
                        "http Transfer-Encoding header",
                        "{\"handler\": \"http\", \"args\": {\"url\": \"http://127.0.0.1/\","
                                + " \"headers\": {\"transfer-encoding\": \"chunked\"}}}",
                        "args.headers.transfer-encoding"),
                Arguments.of(
                        "link-local http url",
                        "{\"handler\": \"http\", \"args\": {\"url\": \"http://[fe80::1]/\"}}",
                        "args.url"),
                Arguments.of(
                        "link-local callback with a zone",
                        "{\"handler\": \"echo\", \"callbackUrl\": \"http://[fe80::1%25eth0]/x\"}",
                        "callbackUrl"),
                Arguments.of("runAt wrong type", "{\"handler\": \"echo\", \"runAt\": 12345}", "runAt"),
                Arguments.of("priority fraction", "{\"handler\": \"echo\", \"priority\": 1.5}", "priority"),
                Arguments.of("priority string", "{\"handler\": \"echo\", \"priority\": \"high\"}", "priority"),
                Arguments.of("priority too big", "{\"handler\": \"echo\", \"priority\": 3000000000}", "priority"),
                Arguments.of("zero timeout", "{\"handler\": \"echo\", \"timeout\": 0}", "timeout"),
                Arguments.of("negative timeout", "{\"handler\": \"echo\", \"timeout\": \"-PT1S\"}", "timeout"),
                Arguments.of("unknown pool", "{\"handler\": \"echo\", \"pool\": \"gpu\"}", "pool"),
                Arguments.of("pool wrong type", "{\"handler\": \"echo\", \"pool\": 1}", "pool"),
                Arguments.of(
                        "malformed callback",
                        "{\"handler\": \"echo\", \"callbackUrl\": \"http://exa mple\"}",
                        "callbackUrl"),
                Arguments.of(
                        "relative callback", "{\"handler\": \"echo\", \"callbackUrl\": \"/hooks\"}", "callbackUrl"),
                Arguments.of(
                        "ftp callback",
                        "{\"handler\": \"echo\", \"callbackUrl\": \"ftp://example.org/x\"}",
                        "callbackUrl"),
                Arguments.of("labels not an object", "{\"handler\": \"echo\", \"labels\": [\"a\"]}", "labels"),
                Arguments.of("65 labels", "{\"handler\": \"echo\", \"labels\": %s}".formatted(labels(65)), "labels"),
                Arguments.of("label not a string", "{\"handler\": \"echo\", \"labels\": {\"team\": 1}}", "labels.team"),
                Arguments.of("label with no name", "{\"handler\": \"echo\", \"labels\": {\"\": \"x\"}}", "labels"),
                // PostgreSQL's text holds no NUL character; H2's does, and so would then differ.
                Arguments.of(
                        "NUL in a label",
                        "{\"handler\": \"echo\", \"labels\": {\"team\": \"a\\u0000b\"}}",
                        "labels.team"),
                Arguments.of(
                        "NUL in a label's name",
                        "{\"handler\": \"echo\", \"labels\": {\"te\\u0000am\": \"billing\"}}",
                        "labels.te\u0000am"),
                // Half an emoji: PostgreSQL's driver stored it as '?', so the task read back otherwise than sent.
                Arguments.of(
                        "a lone surrogate in args",
                        "{\"handler\": \"echo\", \"args\": {\"s\": \"a\\ud83db\"}}",
                        "args"),
                Arguments.of(
                        "a lone surrogate in a label",
                        "{\"handler\": \"echo\", \"labels\": {\"team\": \"\\ude00\"}}",
                        "labels.team"),
                Arguments.of(
                        "a lone surrogate in the callback URL",
                        "{\"handler\": \"echo\", \"callbackUrl\": \"http://127.0.0.1/\\ud83d\"}",
                        "callbackUrl"),
                Arguments.of("unknown field", "{\"handler\": \"echo\", \"runat\": \"2030-01-01T00:00:00Z\"}", "runat"),
                Arguments.of("body not an object", "[1, 2]", "body"),
                Arguments.of("malformed JSON", "{\"handler\": ", "body"),
                Arguments.of("NaN, which JSON does not have", "{\"handler\": \"echo\", \"delay\": NaN}", "body"),
                Arguments.of(
                        "a second object after the first", "{\"handler\": \"echo\"} {\"handler\": \"echo\"}", "body"),
                // Which of the two would count is up to the parser: neither does.
                Arguments.of("a field twice", "{\"handler\": \"echo\", \"handler\": \"fail\"}", "body"),
                Arguments.of(
                        "a field twice in args", "{\"handler\": \"echo\", \"args\": {\"a\": 1, \"a\": 2}}", "body"),
                Arguments.of("empty body", "", "body"),
                Arguments.of(
                        "nested deeper than the parser's limit",
                        "{\"handler\": \"echo\", \"args\": %s%s}".formatted("[".repeat(600), "]".repeat(600)),
                        "body"),
                Arguments.of(
                        "a number longer than the parser's limit",
                        "{\"handler\": \"echo\", \"args\": 1%s}".formatted("0".repeat(1200)),
                        "body"),
                // An exponent beyond BigDecimal's (an int scale): the parser's NumberFormatException was a 500.
                Arguments.of(
                        "delay with an exponent beyond any decimal",
                        "{\"handler\": \"echo\", \"delay\": 0.1e-2147483647}",
                        "body"),
                Arguments.of(
                        "args with an exponent beyond any decimal",
                        "{\"handler\": \"echo\", \"args\": {\"x\": 0.1e-2147483647}}",
                        "body"),
                Arguments.of(
                        "sleep seconds not a number",
                        "{\"handler\": \"sleep\", \"args\": {\"seconds\": \"x\"}}",
                        "args.seconds"),
                // Beyond double range: was accepted, and slept 0 s.
                Arguments.of(
                        "sleep seconds beyond double range",
                        "{\"handler\": \"sleep\", \"args\": {\"seconds\": 1e400}}",
                        "args.seconds"),
                Arguments.of(
                        "sleep seconds beyond negative double range",
                        "{\"handler\": \"sleep\", \"args\": {\"seconds\": -1e400}}",
                        "args.seconds"),
                Arguments.of("http without url", "{\"handler\": \"http\", \"args\": {}}", "args.url"),
                Arguments.of(
                        "http bad method",
                        "{\"handler\": \"http\", \"args\": {\"url\": \"http://127.0.0.1/\", \"method\": \"BREW\"}}",
                        "args.method"),
                Arguments.of(
                        "http url port out of range",
                        "{\"handler\": \"http\", \"args\": {\"url\": \"http://127.0.0.1:99999/\"}}",
                        "args.url"),
                Arguments.of(
                        "http url with credentials",
                        "{\"handler\": \"http\", \"args\": {\"url\": \"http://user:secret@127.0.0.1/\"}}",
                        "args.url"),
                Arguments.of(
                        "callback with credentials",
                        "{\"handler\": \"echo\", \"callbackUrl\": \"https://user:secret@example.org/\"}",
                        "callbackUrl"),
                Arguments.of(
                        "http url with a shortened IPv4 host",
                        "{\"handler\": \"http\", \"args\": {\"url\": \"http://127.1/\"}}",
                        "args.url"),
                Arguments.of(
                        "callback to port 0",
                        "{\"handler\": \"echo\", \"callbackUrl\": \"http://example.org:0/\"}",
                        "callbackUrl"),
                // Stored as none, read back as the default: the callback heard of every end all the same.
                Arguments.of(
                        "callbackEvents empty",
                        "{\"handler\": \"echo\", \"callbackUrl\": \"http://127.0.0.1:9/x\", \"callbackEvents\": []}",
                        "callbackEvents"),
                Arguments.of(
                        "callbackEvents naming an unknown event",
                        "{\"handler\": \"echo\", \"callbackUrl\": \"http://127.0.0.1:9/x\","
                                + " \"callbackEvents\": [\"task.started\", \"task.done\"]}",
                        "callbackEvents[1]"),
                Arguments.of(
                        "http header name not a token",
                        "{\"handler\": \"http\", \"args\": {\"url\": \"http://127.0.0.1/\", \"headers\": {\"X Y\": \"a\"}}}",
                        "args.headers.X Y"),
                Arguments.of(
                        "http header value with a line break",
                        "{\"handler\": \"http\", \"args\": {\"url\": \"http://127.0.0.1/\", \"headers\": {\"X\": \"a\\r\\nB: c\"}}}",
                        "args.headers.X"),
                Arguments.of(
                        "http non-http url",
                        "{\"handler\": \"http\", \"args\": {\"url\": \"file:///etc/passwd\"}}",
                        "args.url"),
                // Ignored, a misspelt method was a GET and a misspelt field a sleep of 0 s.
                Arguments.of(
                        "http args field misspelt",
                        "{\"handler\": \"http\", \"args\": {\"url\": \"http://127.0.0.1/\", \"methd\": \"POST\"}}",
                        "args.methd"),
                Arguments.of(
                        "sleep args field misspelt", "{\"handler\": \"sleep\", \"args\": {\"secs\": 5}}", "args.secs"),
                Arguments.of(
                        "fail args field unknown",
                        "{\"handler\": \"fail\", \"args\": {\"message\": \"no\", \"code\": 3}}",
                        "args.code"),
                // Read (under the parser's 500), then written three levels down in a list page: a 500.
                Arguments.of("args nested too deep", "{\"handler\": \"echo\", \"args\": " + nested(401) + "}", "args"));
    }

    /** An empty array inside {@code depth - 1} others. */
    private static String nested(int depth) {
        return "[".repeat(depth) + "]".repeat(depth);
    }

    /**
     * Nested as deep as allowed: the task is listed, and its outcome, written with a webhook's
     * payload that holds its args and result, is recorded. 499 deep (under the parser's 500) was
     * accepted; every list page that held the task was then a 500, and with a callback the outcome
     * could not be written, and the task stayed RUNNING.
     */
    @Test
    void argsNestedAsDeepAsAllowedAreListedAndTheirTaskEnds() {
        var id = api.submit("{\"handler\": \"echo\", \"args\": %s, \"callbackUrl\": \"http://127.0.0.1:9/closed\"}"
                .formatted(nested(400)));
        assertThat(api.await(id, Duration.ofSeconds(10)).path("state").asString())
                .isEqualTo("SUCCEEDED");
        var page = api.get("/api/v1/tasks?limit=5");
        assertThat(page.status()).as(page.text()).isEqualTo(200);
        assertThat(api.get("/api/v1/tasks/" + id + "/deliveries").body().size()).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidSubmissions")
    void invalidSubmissionIsA400NamingTheFieldAndStoresNothing(String why, String body, String field) {
        long before = api.storedTasks();
        var response = api.post("/api/v1/tasks", body);
        assertThat(response.status()).as(response.text()).isEqualTo(400);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.body().path("type").asString()).isEqualTo("urn:tempora:problem:invalid-request");
        assertThat(response.body().path("title").asString()).isNotBlank();
        assertThat(response.body().path("status").asInt()).isEqualTo(400);
        assertThat(response.body().path("detail").asString()).isNotBlank();
        assertThat(response.errorFields()).contains(field);
        assertThat(response.text())
                .doesNotContain(
                        "Exception",
                        "dev.tempora",
                        "org.springframework",
                        "tools.jackson",
                        "Constraints",
                        "Feature",
                        "JsonToken");
        assertThat(api.storedTasks()).isEqualTo(before);
    }

    @Test
    void numbersInArgsAreKeptAsSent() {
        // Beyond double range, 1e400 was stored and echoed as the string "Infinity".
        var id = api.submit("{\"handler\": \"echo\", \"args\": {\"x\": 1e400, \"y\": -1e400, \"z\": 1.50,"
                + " \"w\": 0.1000000000000000055511151231257827}}");
        var result = api.get("/api/v1/tasks/" + id + "/result?wait=PT10S");
        assertThat(result.status()).as(result.text()).isEqualTo(200);
        for (var args : List.of(
                exactly(result.text()),
                exactly(api.get("/api/v1/tasks/" + id).text()).path("args"))) {
            assertThat(args.path("x").isNumber()).as(args.toString()).isTrue();
            assertThat(args.path("x").decimalValue()).isEqualByComparingTo("1e400");
            assertThat(args.path("y").decimalValue()).isEqualByComparingTo("-1e400");
            assertThat(args.path("z").decimalValue()).isEqualTo(new BigDecimal("1.50"));
            assertThat(args.path("w").decimalValue()).isEqualTo(new BigDecimal("0.1000000000000000055511151231257827"));
        }
    }

    @Test
    void charactersBeyondTheBasicPlaneAreKeptAsSent() {
        // A surrogate pair is one character (U+1F600), stored whole by both databases.
        var id = api.submit("{\"handler\": \"echo\", \"args\": {\"s\": \"a\\ud83d\\ude00b\"},"
                + " \"labels\": {\"mood\": \"\\ud83d\\ude00\"}}");
        var result = api.get("/api/v1/tasks/" + id + "/result?wait=PT10S");
        assertThat(result.status()).as(result.text()).isEqualTo(200);
        assertThat(result.body().path("s").asString()).isEqualTo("a\uD83D\uDE00b");
        assertThat(api.get("/api/v1/tasks/" + id)
                        .body()
                        .path("labels")
                        .path("mood")
                        .asString())
                .isEqualTo("\uD83D\uDE00");
    }

    /** JSON read with every number as sent, which the test client's doubles would round. */
    private static JsonNode exactly(String json) {
        return JsonMapper.builder()
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .build()
                .readTree(json);
    }

    /** The 201 had the labels in the order sent, a later read in the database's (README audit). */
    @Test
    void labelsReadBackByNameWhateverTheOrderSent() {
        var created = api.post("/api/v1/tasks", """
                {"handler": "echo", "delay": 3600, "labels": {"team": "billing", "env": "dev", "app": "x"}}""");
        assertThat(created.body().path("labels").propertyNames()).containsExactly("app", "env", "team");
        var read = api.get("/api/v1/tasks/" + created.body().path("id").asString());
        assertThat(read.body().path("labels").propertyNames()).containsExactly("app", "env", "team");
    }

    @Test
    void sixtyFourLabelsAreAccepted() {
        var response = api.post("/api/v1/tasks", "{\"handler\": \"echo\", \"labels\": %s}".formatted(labels(64)));
        assertThat(response.status()).as(response.text()).isEqualTo(201);
        assertThat(response.body().path("labels").size()).isEqualTo(64);
    }

    /** A labels object with this many entries, {@code "l1": "v"} and on. */
    private static String labels(int count) {
        return IntStream.rangeClosed(1, count)
                .mapToObj(i -> "\"l%d\": \"v\"".formatted(i))
                .collect(Collectors.joining(", ", "{", "}"));
    }

    @Test
    void integersWrittenWithAZeroFractionAreIntegers() {
        // JSON has one number type, and some clients write every number with a point: 1.0 was refused.
        var task = api.post("/api/v1/tasks", "{\"handler\": \"echo\", \"priority\": 1.0, \"delay\": 3600}");
        assertThat(task.status()).as(task.text()).isEqualTo(201);
        assertThat(task.body().path("priority").asInt()).isEqualTo(1);
        var negative = api.post("/api/v1/tasks", "{\"handler\": \"echo\", \"priority\": -2e1, \"delay\": 3600}");
        assertThat(negative.body().path("priority").asInt()).as(negative.text()).isEqualTo(-20);
        var before = defaultPoolSize();
        var resized = api.patch("/api/v1/pools/default", "{\"size\": %d.0}".formatted(before + 1));
        assertThat(resized.status()).as(resized.text()).isEqualTo(200);
        assertThat(resized.body().path("size").asInt()).isEqualTo(before + 1);
        api.patch("/api/v1/pools/default", "{\"size\": %d}".formatted(before));
    }

    @Test
    void everyInvalidFieldIsReportedAtOnce() {
        var response = api.post("/api/v1/tasks", """
                {"handler": "nope", "delay": -1, "priority": "x", "pool": "gpu"}""");
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.errorFields()).containsExactlyInAnyOrder("handler", "delay", "priority", "pool");
    }

    /** A delay of -1e400 was said to be "too long" (fuzzing): it is negative, as -1 is. */
    @Test
    void aNegativeDurationBeyondTheRangeIsSaidToBeNegative() {
        for (var delay : List.of("-1e400", "-1e30", "\"-PT999999999H\"")) {
            var response = api.post("/api/v1/tasks", "{\"handler\": \"echo\", \"delay\": %s}".formatted(delay));
            assertThat(response.body().path("errors").path(0).path("message").asString())
                    .as(delay)
                    .isEqualTo("must be >= 0");
        }
        var timeout = api.post("/api/v1/tasks", "{\"handler\": \"echo\", \"timeout\": -1e400}");
        assertThat(timeout.body().path("errors").path(0).path("message").asString())
                .isEqualTo("must be > 0");
    }

    @Test
    void aPoolThatIsNotAStringIsToldSoAndAnUnknownOneIsNamed() {
        var notAString = api.post("/api/v1/tasks", "{\"handler\": \"echo\", \"pool\": 5}");
        assertThat(notAString.body().path("errors").path(0).path("message").asString())
                .isEqualTo("must be a string: the name of a configured pool");

        var unknown = api.post("/api/v1/tasks", "{\"handler\": \"echo\", \"pool\": \"gpu\"}");
        assertThat(unknown.body().path("errors").path(0).path("message").asString())
                .isEqualTo("'gpu' is not a configured pool (see GET /api/v1/pools)");
    }

    @Test
    void bodyOverTheLimitIsA413() {
        var big = "{\"handler\": \"echo\", \"args\": \"" + "x".repeat(70 * 1024) + "\"}";
        long before = api.storedTasks();
        var response = api.post("/api/v1/tasks", big);
        assertThat(response.status()).isEqualTo(413);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.body().path("instance").asString()).isEqualTo("/api/v1/tasks");
        assertThat(api.storedTasks()).isEqualTo(before);
    }

    @Test
    void chunkedBodyOverTheLimitIsA413() {
        var big = ("{\"handler\": \"echo\", \"args\": \"" + "x".repeat(70 * 1024) + "\"}").getBytes();
        var response = api.send(HttpRequest.newBuilder(api.uri("/api/v1/tasks"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big))));
        assertThat(response.status()).isEqualTo(413);
        assertThat(response.body().path("instance").asString()).isEqualTo("/api/v1/tasks");
    }

    @Test
    void wrongContentTypeIsA415Problem() {
        var response = api.send(HttpRequest.newBuilder(api.uri("/api/v1/tasks"))
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("{\"handler\": \"echo\"}")));
        assertThat(response.status()).isEqualTo(415);
        assertThat(response.contentType()).startsWith("application/problem+json");
        var none = api.send(HttpRequest.newBuilder(api.uri("/api/v1/tasks"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"handler\": \"echo\"}")));
        assertThat(none.status()).isEqualTo(415);
        assertThat(none.body().path("detail").asString()).contains("has none");
        var malformed = api.send(HttpRequest.newBuilder(api.uri("/api/v1/tasks"))
                .header("Content-Type", "json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"handler\": \"echo\"}")));
        assertThat(malformed.status()).isEqualTo(415);
        assertThat(malformed.body().path("detail").asString()).doesNotContain("has none");
    }

    @Test
    void aCompressedBodyIsA415ProblemAndStoresNothing() throws Exception {
        long before = api.storedTasks();
        var gzipped = new ByteArrayOutputStream();
        try (var gzip = new GZIPOutputStream(gzipped)) {
            gzip.write("{\"handler\": \"echo\"}".getBytes(StandardCharsets.UTF_8));
        }
        // Compressed or not: the body is read as sent, so a coding it claims cannot be honoured.
        for (var body : List.of(gzipped.toByteArray(), "{\"handler\": \"echo\"}".getBytes(StandardCharsets.UTF_8))) {
            var response = api.send(HttpRequest.newBuilder(api.uri("/api/v1/tasks"))
                    .header("Content-Type", "application/json")
                    .header("Content-Encoding", "gzip")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
            assertThat(response.status()).isEqualTo(415);
            assertThat(response.contentType()).startsWith("application/problem+json");
            assertThat(response.body().path("type").asString()).isEqualTo("urn:tempora:problem:unsupported-media-type");
        }
        assertThat(api.storedTasks()).isEqualTo(before);
        var identity = api.send(HttpRequest.newBuilder(api.uri("/api/v1/tasks"))
                .header("Content-Type", "application/json")
                .header("Content-Encoding", "identity")
                .POST(HttpRequest.BodyPublishers.ofString("{\"handler\": \"echo\"}")));
        assertThat(identity.status()).isEqualTo(201);
    }

    @Test
    void aBodyWhoseBytesAreNotUtf8IsA400OnBodyAndStoresNothing() throws Exception {
        long before = api.storedTasks();
        // Overlong forms of "o", "/" and U+0000, and a code point past U+10FFFF: Jackson decoded
        // them, and "ech" + C1 AF ran as echo.
        for (var bytes : List.of(
                new byte[] {(byte) 0xC1, (byte) 0xAF},
                new byte[] {(byte) 0xC0, (byte) 0x80},
                new byte[] {(byte) 0xE0, (byte) 0x80, (byte) 0xAF},
                new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80})) {
            var body = new ByteArrayOutputStream();
            body.writeBytes("{\"handler\": \"ech".getBytes(StandardCharsets.UTF_8));
            body.writeBytes(bytes);
            body.writeBytes("\"}".getBytes(StandardCharsets.UTF_8));
            var response = api.send(HttpRequest.newBuilder(api.uri("/api/v1/tasks"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
            assertThat(response.status()).as(response.body().toString()).isEqualTo(400);
            assertThat(response.body().path("errors").get(0).path("field").asString())
                    .isEqualTo("body");
            assertThat(response.body().path("errors").get(0).path("message").asString())
                    .isEqualTo("is not valid JSON: its bytes are not UTF-8 from byte 17 on (the first is byte 1)");
        }
        // UTF-16 without a byte-order mark: valid UTF-8 bytes (NULs), and the parser read it as UTF-16.
        var utf16 = "{\"handler\": \"echo\"}".getBytes(StandardCharsets.UTF_16LE);
        var undeclared = api.send(HttpRequest.newBuilder(api.uri("/api/v1/tasks"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(utf16)));
        assertThat(undeclared.status()).isEqualTo(400);
        assertThat(undeclared.body().path("errors").get(0).path("message").asString())
                .startsWith("is not valid JSON: byte 2 is NUL");
        assertThat(api.storedTasks()).isEqualTo(before);
        var declared = api.send(HttpRequest.newBuilder(api.uri("/api/v1/tasks"))
                .header("Content-Type", "application/json; charset=utf-16le")
                .POST(HttpRequest.BodyPublishers.ofByteArray(utf16)));
        assertThat(declared.status()).as(declared.text()).isEqualTo(201);
    }

    @Test
    void aBodyOfWhiteSpaceIsSaidToHoldNoJson() {
        var response = api.post("/api/v1/tasks", "  \n ");
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.body().path("errors").get(0).path("message").asString())
                .isEqualTo("is not valid JSON: it holds no JSON value, only white space");
    }

    @Test
    void anAcceptedCharsetIsDisregardedAndTheAnswerIsUtf8() {
        // Spring wrote the answer in the charset asked for, and one it could not was a 500 after the
        // task had been stored: a client retrying it stored it twice.
        long before = api.storedTasks();
        for (var charset : List.of("utf-16", "iso-8859-1", "UTF-8")) {
            var response = api.send(HttpRequest.newBuilder(api.uri("/api/v1/tasks"))
                    .header("Content-Type", "application/json")
                    .header("Accept", "application/json;charset=" + charset)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"handler\": \"echo\", \"args\": \"\u00e9\"}")));
            assertThat(response.status()).as(charset).isEqualTo(201);
            assertThat(response.contentType()).as(charset).isEqualTo("application/json");
            assertThat(response.body().path("args").asString()).isEqualTo("\u00e9");
            var stats = api.send(HttpRequest.newBuilder(api.uri("/api/v1/stats"))
                    .header("Accept", "application/json;charset=" + charset)
                    .GET());
            assertThat(stats.status()).as(charset).isEqualTo(200);
        }
        assertThat(api.storedTasks()).isEqualTo(before + 3);
    }

    @Test
    void aDelayFinerThanAMicrosecondNeverMakesTheTaskDueSooner() {
        // Counted from the instant of receipt rounded down, then rounded down itself: 1.5 µs was
        // stored as 1 µs after the (rounded-down) creation, and a task could start before its time.
        for (var delay : List.of("\"PT0.0000015S\"", "0.0000015")) {
            var task = api.post("/api/v1/tasks", "{\"handler\": \"echo\", \"delay\": %s}".formatted(delay))
                    .body();
            var after = Duration.between(
                    Instant.parse(task.path("createdAt").asString()),
                    Instant.parse(task.path("runAt").asString()));
            assertThat(after).as(delay).isGreaterThanOrEqualTo(Duration.ofNanos(2_000));
        }
    }

    @Test
    void aTimeoutFinerThanAMillisecondIsRoundedUpToOne() {
        // Stored in milliseconds: 0.1 ms read back as PT0S, and failed the task at once.
        var task = api.post("/api/v1/tasks", "{\"handler\": \"echo\", \"timeout\": 0.0001, \"delay\": 3600}")
                .body();
        assertThat(task.path("timeout").asString()).isEqualTo("PT0.001S");
        var finer = api.post("/api/v1/tasks", "{\"handler\": \"echo\", \"timeout\": \"PT1.0005S\", \"delay\": 3600}")
                .body();
        assertThat(finer.path("timeout").asString()).isEqualTo("PT1.001S");
        // Below a nanosecond: positive still, so a millisecond too (it was a 400, "must be > 0").
        var tiny = api.post("/api/v1/tasks", "{\"handler\": \"echo\", \"timeout\": 1e-10, \"delay\": 3600}")
                .body();
        assertThat(tiny.path("timeout").asString()).isEqualTo("PT0.001S");
        api.post("/api/v1/tasks/" + task.path("id").asString() + "/cancel");
        api.post("/api/v1/tasks/" + finer.path("id").asString() + "/cancel");
        api.post("/api/v1/tasks/" + tiny.path("id").asString() + "/cancel");
    }

    @Test
    void aDurationFarBelowANanosecondIsRoundedAtOnce() {
        // Rounded by dividing by 10 to the power of the exponent: 1e-999999999 overflowed (a 500),
        // and 1e-60000000 kept a request thread busy for many seconds.
        var started = System.nanoTime();
        var timeouts = List.of(
                "{\"handler\": \"echo\", \"delay\": 1e-999999999, \"timeout\": 1e-999999999}",
                "{\"handler\": \"echo\", \"delay\": 0e-999999999, \"timeout\": 1e-60000000}");
        for (var body : timeouts) {
            var response = api.post("/api/v1/tasks", body);
            assertThat(response.status()).as(body + ": " + response.text()).isEqualTo(201);
            assertThat(response.body().path("timeout").asString()).as(body).isEqualTo("PT0.001S");
        }
        var slept = api.submit("{\"handler\": \"sleep\", \"args\": {\"seconds\": 1e-60000000, \"result\": 1}}");
        var http = api.submit("{\"handler\": \"http\", \"delay\": 3600,"
                + " \"args\": {\"url\": \"http://127.0.0.1:9/\", \"timeout\": 1e-60000000}}");
        for (var wait : List.of("1e-999999999", "1e-60000000", "0e-999999999")) {
            assertThat(api.get("/api/v1/tasks/" + http + "?wait=" + wait).status())
                    .as(wait)
                    .isEqualTo(200);
            assertThat(api.get("/api/v1/tasks/" + http + "/result?wait=" + wait).status())
                    .as(wait)
                    .isEqualTo(202);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        assertThat(api.get("/api/v1/tasks/" + slept + "/result?wait=PT10S").text())
                .isEqualTo("1");
        api.post("/api/v1/tasks/" + http + "/cancel");
    }

    @Test
    void moreLabelFiltersThanATaskHasLabelsAreA400() {
        // Each pair is a join: 200 of them took 9 s on H2, 900 (as many as fit a URL) far longer.
        // A task has at most 64 labels, so more pairs than that could match nothing anyway.
        var many =
                IntStream.rangeClosed(1, 65).mapToObj(i -> "label=l" + i + ":v").collect(Collectors.joining("&"));
        var response = api.get("/api/v1/tasks?" + many);
        assertThat(response.status()).as(response.text()).isEqualTo(400);
        assertThat(response.errorFields()).containsExactly("label");
        var sixtyFour =
                IntStream.rangeClosed(1, 64).mapToObj(i -> "label=l" + i + ":v").collect(Collectors.joining("&"));
        assertThat(api.get("/api/v1/tasks?" + sixtyFour).status()).isEqualTo(200);
        // The same pair twice is one pair.
        assertThat(api.get("/api/v1/tasks?" + sixtyFour + "&label=l1:v").status())
                .isEqualTo(200);
    }

    @Test
    void unknownOrMalformedIdIsA404Problem() {
        for (var id : new String[] {"0193a5b4-0000-7000-8000-000000000000", "not-an-id", "%20"}) {
            for (var path : new String[] {"", "/result"}) {
                var response = api.get("/api/v1/tasks/" + id + path);
                assertThat(response.status()).as(id + path).isEqualTo(404);
                assertThat(response.contentType()).startsWith("application/problem+json");
            }
            assertThat(api.post("/api/v1/tasks/" + id + "/cancel").status()).isEqualTo(404);
        }
    }

    @Test
    void invalidQueryParametersAre400sNamingTheParameter() {
        var id = api.submit("{\"handler\": \"echo\", \"delay\": 3600}");
        assertThat(api.get("/api/v1/tasks/" + id + "?wait=forever").errorFields())
                .containsExactly("wait");
        assertThat(api.get("/api/v1/tasks/" + id + "?wait=PT61S").errorFields()).containsExactly("wait");
        assertThat(api.get("/api/v1/tasks/" + id + "/result?wait=-1").errorFields())
                .containsExactly("wait");
        // The contract says true|false. Spring's conversion read yes, on and 1 as true, no, off and 0
        // as false, and an empty value as the default: a client's typo decided whether a task is
        // interrupted.
        for (var value : new String[] {"maybe", "yes", "on", "1", "no", "off", "0", ""}) {
            assertThat(api.post("/api/v1/tasks/" + id + "/cancel?mayInterruptIfRunning=" + value)
                            .errorFields())
                    .as(value)
                    .containsExactly("mayInterruptIfRunning");
        }
        assertThat(api.get("/api/v1/tasks/" + id).body().path("state").asString())
                .isEqualTo("SCHEDULED");
        assertThat(api.get("/api/v1/tasks?limit=0").errorFields()).containsExactly("limit");
        assertThat(api.get("/api/v1/tasks?limit=501").errorFields()).containsExactly("limit");
        assertThat(api.get("/api/v1/tasks?limit=ten").errorFields()).containsExactly("limit");
        assertThat(api.get("/api/v1/tasks?limit=ten").body().path("detail").asString())
                .isEqualTo("limit must be an integer");
        assertThat(api.get("/api/v1/tasks?state=DONE").errorFields()).containsExactly("state");
        // Two wrong values of one field are one field wrong twice, told in full.
        var twice = api.get("/api/v1/tasks?state=DONE,LOST");
        assertThat(twice.errorFields()).containsExactly("state", "state");
        assertThat(twice.body().path("detail").asString())
                .startsWith("state 'DONE' is not one of")
                .contains("; 'LOST' is not one of");
        // An empty value of a free-text or number parameter is not given, as a form's empty field.
        for (var empty : List.of("state=", "handler=", "handler=%20", "limit=", "cursor=")) {
            assertThat(api.get("/api/v1/tasks?" + empty).body().path("items").size())
                    .as(empty)
                    .isEqualTo(api.get("/api/v1/tasks").body().path("items").size())
                    .isPositive();
        }
        // Commas separate values; an empty one between them is not given, as an empty state is.
        for (var states : List.of("FAILED,", ",", "FAILED,,CANCELLED")) {
            assertThat(api.get("/api/v1/tasks?state=" + states).status())
                    .as(states)
                    .isEqualTo(200);
        }
        assertThat(api.get("/api/v1/tasks?label=nocolon").errorFields()).containsExactly("label");
        assertThat(api.get("/api/v1/tasks?label=team:a%00b").errorFields()).containsExactly("label");
        // A NUL at either end of a single label filter was trimmed off by Spring's conversion.
        assertThat(api.get("/api/v1/tasks?label=a:b%00").errorFields()).containsExactly("label");
        assertThat(api.get("/api/v1/tasks?label=%00a:b").errorFields()).containsExactly("label");
        assertThat(api.get("/api/v1/tasks?label=a:b%00&label=c:d").errorFields())
                .containsExactly("label");
        assertThat(api.get("/api/v1/tasks?handler=ec%00ho").errorFields()).containsExactly("handler");
        assertThat(api.get("/api/v1/tasks?cursor=!!!").errorFields()).containsExactly("cursor");
        assertThat(api.get("/api/v1/queue?limit=0").errorFields()).containsExactly("limit");
        api.post("/api/v1/tasks/" + id + "/cancel");
    }

    @Test
    void anUnknownQueryParameterOrOneGivenTwiceIsA400NamingItAndChangesNothing() {
        // Ignored, ?States= listed every task, POST /tasks?delay=60 ran the task at once, and two
        // handler filters were read as the one handler "echo,fail".
        var id = api.submit("{\"handler\": \"echo\", \"delay\": 3600}");
        long before = api.storedTasks();
        var submitted = api.post("/api/v1/tasks?delay=60", "{\"handler\": \"echo\"}");
        assertThat(submitted.status()).as(submitted.text()).isEqualTo(400);
        assertThat(submitted.errorFields()).containsExactly("delay");
        assertThat(api.storedTasks()).isEqualTo(before);
        assertThat(api.get("/api/v1/tasks?States=FAILED").errorFields()).containsExactly("States");
        assertThat(api.get("/api/v1/tasks?handler=echo&handler=fail").errorFields())
                .containsExactly("handler");
        assertThat(api.get("/api/v1/tasks?limit=1&limit=2").errorFields()).containsExactly("limit");
        assertThat(api.get("/api/v1/tasks/" + id + "?wait=PT1S&wait=PT2S").errorFields())
                .containsExactly("wait");
        assertThat(api.get("/api/v1/tasks/" + id + "/result?Wait=PT5S").errorFields())
                .containsExactly("Wait");
        assertThat(api.get("/api/v1/stats?verbose=true").errorFields()).containsExactly("verbose");
        assertThat(api.post("/api/v1/tasks/" + id + "/cancel?mayinterruptifrunning=true")
                        .errorFields())
                .containsExactly("mayinterruptifrunning");
        // A form body's type (curl -d '') does not turn the check off: its query is still a query.
        var form =
                api.send(HttpRequest.newBuilder(api.uri("/api/v1/tasks/" + id + "/cancel?mayinterruptifrunning=true"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString("")));
        assertThat(form.errorFields()).containsExactly("mayinterruptifrunning");
        assertThat(api.get("/api/v1/tasks/" + id).body().path("state").asString())
                .isEqualTo("SCHEDULED");
        // Repeatable ones may be repeated.
        assertThat(api.get("/api/v1/tasks?state=SCHEDULED&state=QUEUED&label=a:b&label=c:d")
                        .status())
                .isEqualTo(200);
        api.post("/api/v1/tasks/" + id + "/cancel");
    }

    @Test
    void aMalformedPercentEscapeInTheQueryIsA400NamingTheParameter() {
        // Tomcat refuses to decode any parameter of such a query; that was a 500 internal-error.
        var id = api.submit("{\"handler\": \"echo\", \"delay\": 3600}");
        long before = api.storedTasks();
        var requests = new String[][] {
            {"GET", "/api/v1/tasks?limit=%ZZ", "limit"},
            {"GET", "/api/v1/tasks?foo=%ZZ", "foo"},
            {"GET", "/api/v1/tasks?limit=10&label=a:%4", "label"},
            {"GET", "/api/v1/queue?limit=%ZZ", "limit"},
            {"GET", "/api/v1/tasks/" + id + "?wait=%ZZ", "wait"},
            {"GET", "/api/v1/tasks/" + id + "/result?wait=%ZZ", "wait"},
            {"POST", "/api/v1/tasks/" + id + "/cancel?mayInterruptIfRunning=%ZZ", "mayInterruptIfRunning"},
            {"GET", "/api/v1/events?handler=%ZZ", "handler"},
            // Well-formed escapes of bytes that are not UTF-8: named "query" before.
            {"GET", "/api/v1/tasks?handler=%FF", "handler"},
            {"GET", "/api/v1/tasks?limit=10&handler=%C3%28", "handler"},
            {"GET", "/api/v1/tasks?%FF=1", "%FF"},
            // No name to give: the query as a whole.
            {"GET", "/api/v1/tasks?=x", "query"},
        };
        for (var request : requests) {
            var response = api.raw(request[0], request[1]);
            var where = request[0] + " " + request[1];
            assertThat(response.status()).as(where + ": " + response.text()).isEqualTo(400);
            assertThat(response.contentType()).as(where).startsWith("application/problem+json");
            assertThat(response.body().path("type").asString())
                    .as(where)
                    .isEqualTo("urn:tempora:problem:malformed-request");
            assertThat(response.body().path("status").asInt()).as(where).isEqualTo(400);
            assertThat(response.errorFields()).as(where).containsExactly(request[2]);
            assertThat(response.text()).as(where).doesNotContain("Exception", "org.apache", "dev.tempora");
        }
        // Nothing was cancelled.
        assertThat(api.get("/api/v1/tasks/" + id).body().path("state").asString())
                .isEqualTo("SCHEDULED");
        assertThat(api.storedTasks()).isEqualTo(before);
        api.post("/api/v1/tasks/" + id + "/cancel");
    }

    @Test
    void unknownPathAndMethodAreProblems() {
        var missing = api.get("/api/v1/nothing-here");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.contentType()).startsWith("application/problem+json");
        assertThat(missing.body().path("detail").asString()).isEqualTo("No endpoint GET /api/v1/nothing-here");
        var method = api.send(HttpRequest.newBuilder(api.uri("/api/v1/tasks")).DELETE());
        assertThat(method.status()).isEqualTo(405);
        assertThat(method.contentType()).startsWith("application/problem+json");
        // As OPTIONS answers: Spring's Allow listed the mapped methods only.
        assertThat(method.header("Allow").split(", *")).containsExactlyInAnyOrder("GET", "HEAD", "POST", "OPTIONS");
        assertThat(method.body().path("detail").asString())
                .startsWith("DELETE is not supported on /api/v1/tasks; it takes ")
                .contains("POST");
        var noDelete = api.send(
                HttpRequest.newBuilder(api.uri("/api/v1/pools/default")).DELETE());
        assertThat(noDelete.header("Allow").split(", *")).containsExactlyInAnyOrder("GET", "HEAD", "PATCH", "OPTIONS");
        // Tomcat answered TRACE itself, in Spring Boot's error format.
        var trace = api.send(
                HttpRequest.newBuilder(api.uri("/api/v1/tasks")).method("TRACE", HttpRequest.BodyPublishers.noBody()));
        assertThat(trace.status()).isEqualTo(405);
        assertThat(trace.contentType()).startsWith("application/problem+json");
        assertThat(trace.body().path("type").asString()).isEqualTo("urn:tempora:problem:method-not-allowed");
        // The error page itself is no endpoint.
        var errorPage = api.get("/error");
        assertThat(errorPage.status()).isEqualTo(404);
        assertThat(errorPage.contentType()).startsWith("application/problem+json");
    }

    @Test
    void errorsTheFrameworkAnswersHaveAStableType() {
        // Spring's own problems (an unknown path, method or media type) came without a type.
        var answers = List.of(
                Map.entry("not-found", api.get("/api/v1/nope")),
                Map.entry(
                        "method-not-allowed",
                        api.send(
                                HttpRequest.newBuilder(api.uri("/api/v1/tasks")).DELETE())),
                Map.entry(
                        "unsupported-media-type",
                        api.send(HttpRequest.newBuilder(api.uri("/api/v1/tasks"))
                                .header("Content-Type", "text/plain")
                                .POST(HttpRequest.BodyPublishers.ofString("{\"handler\": \"echo\"}")))),
                Map.entry(
                        "unsupported-media-type",
                        api.send(HttpRequest.newBuilder(api.uri("/api/v1/pools/default"))
                                .header("Content-Type", "application/xml")
                                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"size\": 2}")))),
                Map.entry(
                        "not-acceptable",
                        api.send(HttpRequest.newBuilder(api.uri("/api/v1/handlers"))
                                .header("Accept", "application/xml")
                                .GET())),
                // The dashboard's page to a client that takes no HTML: a 406 without a body before.
                Map.entry(
                        "not-acceptable",
                        api.send(HttpRequest.newBuilder(api.uri("/"))
                                .header("Accept", "application/json")
                                .GET())));
        for (var answer : answers) {
            var slug = answer.getKey();
            var response = answer.getValue();
            assertThat(response.status()).as(slug).isBetween(400, 499);
            assertThat(response.contentType()).as(slug).startsWith("application/problem+json");
            assertThat(response.body().path("type").asString())
                    .as(slug + ": " + response.text())
                    .isEqualTo("urn:tempora:problem:" + slug);
            assertThat(response.body().path("status").asInt()).as(slug).isEqualTo(response.status());
        }
    }

    @Test
    void anAcceptHeaderThatCannotBeParsedIsDisregarded() {
        var id = api.submit("{\"handler\": \"echo\", \"delay\": 3600}");
        for (var accept : List.of("*/*;q=abc", "application/json;q=2")) {
            // Honoured, it made every answer a 406 without a body, problems included.
            var task = api.send(HttpRequest.newBuilder(api.uri("/api/v1/tasks/" + id))
                    .header("Accept", accept)
                    .GET());
            assertThat(task.status()).as(accept).isEqualTo(200);
            assertThat(task.body().path("id").asString()).isEqualTo(id);
            var missing = api.send(HttpRequest.newBuilder(api.uri("/api/v1/tasks/" + UUID.randomUUID()))
                    .header("Accept", accept)
                    .GET());
            assertThat(missing.status()).as(accept).isEqualTo(404);
            assertThat(missing.contentType()).startsWith("application/problem+json");
        }
    }

    @Test
    void anAcceptHeaderRefusingJsonIsA406Problem() {
        // q=0 refuses a type (RFC 9110), but Spring reads it as any other quality: JSON was sent anyway.
        var id = api.submit("{\"handler\": \"echo\", \"delay\": 3600}");
        for (var accept : List.of("application/json;q=0", "application/xml, application/json;q=0", "*/*;q=0")) {
            for (var path : List.of("/api/v1/handlers", "/api/v1/tasks/" + id)) {
                var response = api.send(HttpRequest.newBuilder(api.uri(path))
                        .header("Accept", accept)
                        .GET());
                assertThat(response.status()).as(accept + " " + path).isEqualTo(406);
                assertThat(response.contentType()).as(accept).startsWith("application/problem+json");
                assertThat(response.body().path("type").asString())
                        .as(accept)
                        .isEqualTo("urn:tempora:problem:not-acceptable");
                assertThat(response.body().path("instance").asString())
                        .as(accept)
                        .isEqualTo(path);
            }
        }
        // Accepting JSON, with or without refusing everything else, or anything, is as before; so is
        // refusing another type beside a range that takes JSON (a browser's header refusing one image
        // type), and, as "all but JSON" cannot be negotiated, refusing JSON beside a broader range.
        for (var accept : List.of(
                "application/json, */*;q=0",
                "*/*",
                "application/json;q=0.1",
                "",
                "*/*, text/html;q=0",
                "application/*, application/xml;q=0",
                "text/html, application/xhtml+xml, application/xml;q=0.9, */*;q=0.8, image/webp;q=0",
                "*/*;q=0.5, application/json;q=0")) {
            var builder = HttpRequest.newBuilder(api.uri("/api/v1/tasks/" + id));
            var response = api.send(
                    accept.isEmpty()
                            ? builder.GET()
                            : builder.header("Accept", accept).GET());
            assertThat(response.status()).as(accept).isEqualTo(200);
            assertThat(response.body().path("id").asString()).isEqualTo(id);
        }
        // Refusing JSON beside accepting problems is as accepting problems alone: a problem where
        // one is the answer, and a 406 problem where a task would be.
        for (var path : List.of("/api/v1/nothing-here", "/api/v1/tasks/" + id)) {
            var problems = api.send(HttpRequest.newBuilder(api.uri(path))
                    .header("Accept", "application/problem+json")
                    .GET());
            var refusingJson = api.send(HttpRequest.newBuilder(api.uri(path))
                    .header("Accept", "application/problem+json, application/json;q=0")
                    .GET());
            assertThat(refusingJson.status())
                    .as(path)
                    .isEqualTo(problems.status())
                    .isBetween(400, 499);
            assertThat(refusingJson.contentType()).as(path).startsWith("application/problem+json");
        }
        api.post("/api/v1/tasks/" + id + "/cancel");
    }

    @Test
    void poolResizeValidatesItsInput() {
        assertThat(api.patch("/api/v1/pools/default", "{\"size\": 0}").errorFields())
                .containsExactly("size");
        assertThat(api.patch("/api/v1/pools/default", "{\"size\": 1025}").errorFields())
                .containsExactly("size");
        assertThat(api.patch("/api/v1/pools/default", "{\"size\": \"big\"}").errorFields())
                .containsExactly("size");
        assertThat(api.patch("/api/v1/pools/default", "{}").errorFields()).containsExactly("size");
        assertThat(api.patch("/api/v1/pools/default", "{oops").errorFields()).containsExactly("body");
        assertThat(api.patch("/api/v1/pools/default", "[4]").errorFields()).containsExactly("body");
        assertThat(api.patch("/api/v1/pools/default", "{\"size\": 0.1e-2147483647}")
                        .errorFields())
                .containsExactly("body");
        // A misspelt field is refused, not ignored, and nothing is resized.
        var before = defaultPoolSize();
        assertThat(api.patch("/api/v1/pools/default", "{\"size\": %d, \"sise\": 3}".formatted(before + 1))
                        .errorFields())
                .containsExactly("sise");
        assertThat(defaultPoolSize()).isEqualTo(before);
        assertThat(api.patch("/api/v1/pools/nope", "{\"size\": 2}").status()).isEqualTo(404);
        var one = api.get("/api/v1/pools/default");
        assertThat(one.status()).as(one.text()).isEqualTo(200);
        assertThat(one.body().path("name").asString()).isEqualTo("default");
        assertThat(one.body().path("size").asInt()).isEqualTo(before);
        assertThat(api.get("/api/v1/pools/nope").status()).isEqualTo(404);
        // Labelled a merge patch, as PATCH clients often do: the same body, the same resize.
        var merged = api.send(HttpRequest.newBuilder(api.uri("/api/v1/pools/default"))
                .header("Content-Type", "application/merge-patch+json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"size\": %d}".formatted(before + 1))));
        assertThat(merged.status()).as(merged.text()).isEqualTo(200);
        assertThat(defaultPoolSize()).isEqualTo(before + 1);
        api.patch("/api/v1/pools/default", "{\"size\": %d}".formatted(before));
    }

    private int defaultPoolSize() {
        for (var pool : api.get("/api/v1/pools").body()) {
            if (pool.path("name").asString().equals("default")) {
                return pool.path("size").asInt();
            }
        }
        throw new AssertionError("no default pool");
    }
}
