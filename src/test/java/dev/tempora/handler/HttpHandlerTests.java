package dev.tempora.handler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempora.Api;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/** The {@code http} handler against a real local HTTP server, under the default outbound policy. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class HttpHandlerTests {

    @LocalServerPort
    int port;

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
        assertThat(result.path("body").path("ok").asBoolean()).isTrue();
        assertThat(server.received.getFirst().method()).isEqualTo("GET");
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
    }

    @Test
    void handlerTimeoutFailsAHangingRequest() {
        var id = api.submit("""
                {"handler": "http", "args": {"url": "%s", "timeout": "PT0.5S"}}""".formatted(server.url("/hang")));
        var task = api.await(id, Duration.ofSeconds(10));
        assertThat(task.path("state").asString()).isEqualTo("FAILED");
        assertThat(task.path("exception").path("message").asString()).contains("no answer");
    }

    @Test
    void taskTimeoutInterruptsAHangingRequest() {
        var id = api.submit("""
                {"handler": "http", "args": {"url": "%s"}, "timeout": 0.5}""".formatted(server.url("/hang")));
        var task = api.await(id, Duration.ofSeconds(10));
        assertThat(task.path("state").asString()).isEqualTo("FAILED");
        assertThat(task.path("exception").path("type").asString()).isEqualTo("TimeoutException");
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
