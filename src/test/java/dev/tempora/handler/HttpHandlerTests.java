package dev.tempora.handler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tempora.Api;
import dev.tempora.SocketPeer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/** The {@code http} handler against a real local HTTP server, under the default outbound policy. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class HttpHandlerTests {

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    Api api;
    LocalHttpServer server;

    @BeforeEach
    void setUp() throws Exception {
        api = new Api(port);
        server = new LocalHttpServer();
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    @Test
    void getReturnsStatusHeadersAndParsedJsonBody() {
        var id = api.submit("""
                {"handler": "http", "args": {"url": "%s"}}""".formatted(server.url("/json")));
        var task = api.await(id, Duration.ofSeconds(10));
        assertThat(task.path("state").asString()).as(task.toString()).isEqualTo("SUCCEEDED");
        var result = task.path("result");
        assertThat(result.path("status").asInt()).isEqualTo(200);
        assertThat(result.path("headers").path("x-test").asString()).isEqualTo("yes");
        assertThat(result.path("headers").path("x-twice").asString())
                .as("a field sent twice, its values in order (only the last was kept)")
                .isEqualTo("first, second");
        assertThat(result.path("headers").path("set-cookie").asString())
                .as("Set-Cookie, whose values hold commas: one per line")
                .isEqualTo("a=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT\nb=2");
        assertThat(result.path("body").path("ok").asBoolean()).isTrue();
        assertThat(server.received.getFirst().method()).isEqualTo("GET");
    }

    /**
     * A compressed answer is decoded, and its headers say so: they gave {@code content-encoding:
     * gzip} and the compressed length beside the decoded body, which a client might decode again
     * (README audit).
     */
    @Test
    void aCompressedAnswerIsDecodedAndNoLongerSaidToBeCompressed() {
        var id = api.submit("""
                {"handler": "http", "args": {"url": "%s"}}""".formatted(server.url("/gzip")));
        var task = api.await(id, Duration.ofSeconds(10));
        assertThat(task.path("state").asString()).as(task.toString()).isEqualTo("SUCCEEDED");
        var result = task.path("result");
        assertThat(result.path("body").path("zipped").asBoolean()).isTrue();
        assertThat(result.path("headers").has("content-encoding")).isFalse();
        assertThat(result.path("headers").has("content-length")).isFalse();
        assertThat(result.path("headers").path("content-type").asString()).isEqualTo("application/json");
    }

    @Test
    void aUrlWithCharactersBeyondAsciiIsSentPercentEncodedAsUtf8() {
        // Sent as they were, "日" went as '?' (ending the path early) and "é" as a Latin-1 byte.
        // As given, not normalised: "e" and a combining accent are not "é" (URI.toASCIIString made them so).
        var id = api.submit("""
                {"handler": "http", "args": {"url": "%s"}}""".formatted(server.url("/json/caf\u00e9/cafe\u0301?q=\u65e5%20")));
        var task = api.await(id, Duration.ofSeconds(10));
        assertThat(task.path("state").asString()).as(task.toString()).isEqualTo("SUCCEEDED");
        assertThat(server.received.getFirst().target()).isEqualTo("/json/caf%C3%A9/cafe%CC%81?q=%E6%97%A5%20");
        assertThat(task.path("args").path("url").asString()).endsWith("/json/caf\u00e9/cafe\u0301?q=\u65e5%20");
    }

    @Test
    void argumentsStoredByAnEarlierVersionStillRunAsThenAccepted() {
        // Until 2026-12-06 a number in a string was a duration ("timeout": "5"). Submissions are
        // refused it now; a task stored before, read again as it runs, must not fail for it.
        var id = api.submit("""
                {"handler": "http", "delay": 3600, "args": {"url": "%s", "timeout": 5}}""".formatted(server.url("/json")));
        jdbc.sql("update task set args = :args, run_at = :now where id = :id")
                .param("args", "{\"url\": \"%s\", \"timeout\": \"5\"}".formatted(server.url("/json")))
                .param("now", OffsetDateTime.now(ZoneOffset.UTC))
                .param("id", UUID.fromString(id))
                .update();
        var task = api.await(id, Duration.ofSeconds(15));
        assertThat(task.path("state").asString()).as(task.toString()).isEqualTo("SUCCEEDED");
        assertThat(task.path("result").path("status").asInt()).isEqualTo(200);
    }

    @Test
    void anAnswerNamingAFieldTwiceIsStillParsedTheLastOneCounting() {
        // Only clients' request bodies are refused for it: a remote answer is taken as sent.
        var id = api.submit("""
                {"handler": "http", "args": {"url": "%s"}}""".formatted(server.url("/twice")));
        var task = api.await(id, Duration.ofSeconds(10));
        assertThat(task.path("state").asString()).as(task.toString()).isEqualTo("SUCCEEDED");
        assertThat(task.path("result").path("body").path("n").asInt()).isEqualTo(2);
    }

    /**
     * A body kept up to 1 MiB, with the status and headers and once escaped (a quote is written as
     * two characters), or parsed from JSON too deep to be a result, was over what a result may be,
     * and the task FAILED (InvalidResult). It is returned as text, cut so that it fits. Found by
     * review.
     */
    @Test
    void aBodyTooLargeOrDeepForAResultIsReturnedCutAsText() {
        for (var path : new String[] {"/large", "/quotes", "/deep"}) {
            var id = api.submit("""
                    {"handler": "http", "args": {"url": "%s"}}""".formatted(server.url(path)));
            var task = api.await(id, Duration.ofSeconds(10));
            assertThat(task.path("state").asString())
                    .as(path + ": " + task.path("exception"))
                    .isEqualTo("SUCCEEDED");
            var body = task.path("result").path("body");
            assertThat(body.isString()).as(path).isTrue();
            if (path.equals("/deep")) {
                assertThat(body.asString()).isEqualTo("[".repeat(450) + "]".repeat(450));
                continue;
            }
            char repeated = path.equals("/large") ? 'x' : '"';
            assertThat(body.asString()).as(path).isNotEmpty();
            assertThat(body.asString().chars().allMatch(c -> c == repeated))
                    .as(path)
                    .isTrue();
            assertThat(body.asString().length()).as(path).isLessThan(1024 * 1024);
        }
    }

    /**
     * A body that goes on past 1 MiB is cut there, at once: one that came without end, or slowly
     * for longer than the timeout, was read to its end (or the timeout), and the task FAILED with
     * no answer.
     */
    @Test
    void aBodyThatGoesOnPastItsFirstMebibyteIsCutThereWithoutWaitingForItsEnd() {
        var id = api.submit("""
                {"handler": "http", "args": {"url": "%s", "timeout": 10}}""".formatted(server.url("/endless")));
        var task = api.await(id, Duration.ofSeconds(20));
        assertThat(task.path("state").asString()).as(task.toString()).isEqualTo("SUCCEEDED");
        var body = task.path("result").path("body").asString();
        assertThat(body.length()).isBetween(1_000_000, 1024 * 1024);
        assertThat(body.chars().allMatch(c -> c == 'y')).isTrue();
        var took = Duration.between(
                OffsetDateTime.parse(task.path("startedAt").asString()),
                OffsetDateTime.parse(task.path("finishedAt").asString()));
        assertThat(took).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void postSendsJsonBodyAndReturnsTextBody() {
        var id = api.submit("""
                {"handler": "http", "args": {"method": "post", "url": "%s", "body": {"hello": "world"},
                 "headers": {"X-Custom": "1"}}}""".formatted(server.url("/echo")));
        var task = api.await(id, Duration.ofSeconds(10));
        assertThat(task.path("state").asString()).as(task.toString()).isEqualTo("SUCCEEDED");
        assertThat(task.path("result").path("status").asInt()).isEqualTo(201);
        assertThat(task.path("result").path("body").asString()).isEqualTo("{\"hello\":\"world\"}");
        var received = server.received.getFirst();
        assertThat(received.method()).isEqualTo("POST");
        assertThat(received.contentType()).startsWith("application/json");
    }

    @Test
    void non2xxStatusFailsTheTaskWithTheStatus() {
        var id = api.submit("""
                {"handler": "http", "args": {"url": "%s"}}""".formatted(server.url("/broken")));
        var task = api.await(id, Duration.ofSeconds(10));
        assertThat(task.path("state").asString()).isEqualTo("FAILED");
        assertThat(task.path("exception").path("message").asString()).contains("HTTP 500", "database on fire");
    }

    @Test
    void connectionErrorFailsTheTask() {
        var closed = server.url("/json");
        server.close();
        var id = api.submit("""
                {"handler": "http", "args": {"url": "%s", "timeout": 2}}""".formatted(closed));
        var task = api.await(id, Duration.ofSeconds(10));
        assertThat(task.path("state").asString()).isEqualTo("FAILED");
        assertThat(task.path("exception").path("message").asString()).contains("failed");
        assertThat(task.path("exception").path("type").asString()).isEqualTo("HttpConnectionException");
    }

    @Test
    void handlerTimeoutFailsAHangingRequest() {
        var id = api.submit("""
                {"handler": "http", "args": {"url": "%s", "timeout": "PT0.5S"}}""".formatted(server.url("/hang")));
        var task = api.await(id, Duration.ofSeconds(10));
        assertThat(task.path("state").asString()).isEqualTo("FAILED");
        assertThat(task.path("exception").path("message").asString()).contains("no answer");
        assertThat(task.path("exception").path("type").asString()).isEqualTo("HttpConnectionException");
    }

    @Test
    void taskTimeoutInterruptsAHangingRequest() {
        var id = api.submit("""
                {"handler": "http", "args": {"url": "%s"}, "timeout": 0.5}""".formatted(server.url("/hang")));
        var task = api.await(id, Duration.ofSeconds(10));
        assertThat(task.path("state").asString()).isEqualTo("FAILED");
        assertThat(task.path("exception").path("type").asString()).isEqualTo("TimeoutException");
    }

    /**
     * An interrupted handler (a task timed out, cancelled with interrupt, or stopped by a shutdown)
     * cancels its request, and the receiver must see it cut off. Over a connection kept alive from an
     * earlier request, it was not: the request went on to its end at the receiver, the answer was
     * discarded, and a task released by a graceful stop ran again on another instance meanwhile.
     */
    @Test
    void anInterruptedRequestIsCutOffOverAConnectionKeptAlive() throws Exception {
        try (var receiver = new HoldingReceiver()) {
            var earlier = api.submit("""
                    {"handler": "http", "args": {"url": "%s"}}""".formatted(receiver.url("/quick")));
            assertThat(api.await(earlier, Duration.ofSeconds(10)).path("state").asString())
                    .isEqualTo("SUCCEEDED");

            var id = api.submit("""
                    {"handler": "http", "args": {"url": "%s"}, "timeout": 0.5}""".formatted(receiver.url("/held")));
            var task = api.await(id, Duration.ofSeconds(10));
            assertThat(task.path("exception").path("type").asString()).isEqualTo("TimeoutException");
            // The receiver holds the request for 30 s unless the connection is closed.
            await("the receiver sees the held request cut off")
                    .atMost(Duration.ofSeconds(20))
                    .until(receiver.cutOff::get);
        }
    }

    /**
     * Answers {@code /quick} at once, keeping the connection alive; holds {@code /held} for 30 s,
     * noting whether the client closed the connection meanwhile. A plain socket server, since one
     * must see the connection itself.
     */
    private static final class HoldingReceiver implements AutoCloseable {
        final AtomicBoolean cutOff = new AtomicBoolean();
        private final SocketPeer server = new SocketPeer(this::serve);

        HoldingReceiver() throws IOException {}

        String url(String path) {
            return "http://127.0.0.1:" + server.port() + path;
        }

        private void serve(Socket socket) {
            try (socket) {
                var in =
                        new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
                while (true) {
                    var requestLine = in.readLine();
                    if (requestLine == null) {
                        return;
                    }
                    for (var line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                        // headers: a GET has no body
                    }
                    if (requestLine.contains("/held")) {
                        socket.setSoTimeout(30_000);
                        try {
                            cutOff.set(socket.getInputStream().read() == -1);
                        } catch (SocketTimeoutException held) {
                            // not cut off
                        } catch (IOException reset) {
                            cutOff.set(true);
                        }
                        return;
                    }
                    socket.getOutputStream()
                            .write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"
                                    .getBytes(StandardCharsets.ISO_8859_1));
                }
            } catch (IOException gone) {
                // the client went away between requests
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    @Test
    void cloudMetadataAddressIsRefusedAtSubmit() {
        for (var url : new String[] {"http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/"}) {
            var refused = api.post("/api/v1/tasks", """
                    {"handler": "http", "args": {"url": "%s", "timeout": 2}}""".formatted(url));
            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused.errorFields()).containsExactly("args.url");
        }
    }
}
