package dev.tempora.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempora.Api;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/** What Tomcat rejects before Tempora's code runs is still a problem, not an HTML page. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ContainerErrorsTests {

    @LocalServerPort
    int port;

    @Test
    void anEncodedSlashInThePathIsABadRequestProblem() {
        var response = new Api(port).get("/api/v1/tasks/abc%2Fdef");

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.body().path("status").asInt()).isEqualTo(400);
        assertThat(response.body().path("type").asString()).isEqualTo("urn:tempora:problem:malformed-request");
        assertThat(response.body().path("title").asString()).isEqualTo("Bad Request");
        // Invalid input: the contract's errors array, as for every other 400 (found by review).
        assertThat(response.errorFields()).containsExactly("request");
        // As every other answer: a security review found this one without them.
        assertThat(response.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(response.header("X-Frame-Options")).isEqualTo("DENY");
    }

    @Test
    void aMalformedChunkOfABodyIsAMalformedRequestProblemNamingTheRequest() {
        // Refused while the body was read: a bare bad-request problem without errors before.
        var api = new Api(port);
        long before = api.storedTasks();
        var response = api.raw("POST /api/v1/tasks HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{\"handler\": \"echo\"}\r\n0\r\n\r\n");

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.body().path("type").asString()).isEqualTo("urn:tempora:problem:malformed-request");
        assertThat(response.errorFields()).containsExactly("request");
        assertThat(response.body().path("detail").asString()).contains("could not be read");
        assertThat(api.storedTasks()).isEqualTo(before);
    }

    @Test
    void whatHttpWouldAnswerWith501Or505IsABadRequestProblem() {
        var api = new Api(port);
        for (var request : List.of(
                // A transfer coding Tomcat does not implement: 501 in RFC 9112's words.
                "POST /api/v1/tasks HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip\r\n"
                        + "Content-Type: application/json\r\nConnection: close\r\n\r\n",
                // An HTTP version it does not speak: 505.
                "GET /api/v1/handlers HTTP/2.0\r\nHost: localhost\r\nConnection: close\r\n\r\n",
                // A method it does not implement: 501.
                "CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: 127.0.0.1:1\r\nConnection: close\r\n\r\n")) {
            var response = api.raw(request);
            var what = request.substring(0, request.indexOf('\r'));
            assertThat(response.status()).as(what).isEqualTo(400);
            assertThat(response.contentType()).as(what).startsWith("application/problem+json");
            assertThat(response.body().path("status").asInt()).as(what).isEqualTo(400);
            assertThat(response.body().path("type").asString())
                    .as(what)
                    .isEqualTo("urn:tempora:problem:malformed-request");
            assertThat(response.errorFields()).as(what).containsExactly("request");
            assertThat(response.body().path("detail").asString()).as(what).isNotEqualTo("Bad Request");
        }
    }

    @Test
    void aTraceNamesItsPathAndWhatThePathTakes() {
        // Tomcat refuses TRACE itself: the problem named the error page ("/error") as its instance,
        // and Allow listed every method the servlet implements, PUT and DELETE included.
        var api = new Api(port);
        var allowed = Map.of(
                "/api/v1/tasks", List.of("GET", "HEAD", "POST", "OPTIONS"),
                "/api/v1/pools/default", List.of("GET", "HEAD", "PATCH", "OPTIONS"),
                "/api/v1/tasks/0193a5b4-0000-7000-8000-000000000000/cancel", List.of("POST", "OPTIONS"),
                "/actuator/health", List.of("GET", "HEAD", "OPTIONS"),
                "/", List.of("GET", "HEAD", "OPTIONS"));
        allowed.forEach((path, methods) -> {
            var trace = api.send(
                    HttpRequest.newBuilder(api.uri(path)).method("TRACE", HttpRequest.BodyPublishers.noBody()));
            assertThat(trace.status()).as(path).isEqualTo(405);
            assertThat(trace.contentType()).as(path).startsWith("application/problem+json");
            assertThat(trace.body().path("type").asString())
                    .as(path)
                    .isEqualTo("urn:tempora:problem:method-not-allowed");
            assertThat(trace.body().path("instance").asString()).as(path).isEqualTo(path);
            // Refused before any filter, it lacked the headers every other answer has.
            assertThat(trace.header("X-Content-Type-Options")).as(path).isEqualTo("nosniff");
            assertThat(trace.header("X-Frame-Options")).as(path).isEqualTo("DENY");
            assertThat(trace.headers().get("Allow")).as(path).hasSize(1); // Tomcat's own replaced, not added to
            assertThat(trace.header("Allow").split(", *")).as(path).containsExactlyInAnyOrderElementsOf(methods);
        });
    }

    @Test
    void anOptionsSaysPatchIsAcceptedOnlyWherePatchIs() {
        // Spring MVC put an empty Accept-Patch on every OPTIONS answer, which says PATCH is allowed.
        var api = new Api(port);
        for (var path : List.of("/api/v1/tasks", "/api/v1/pools", "/api/v1/tasks/batch")) {
            var options = api.send(
                    HttpRequest.newBuilder(api.uri(path)).method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
            assertThat(options.status()).as(path).isEqualTo(200);
            assertThat(options.header("Accept-Patch")).as(path).isNull();
        }
        var pool = api.send(HttpRequest.newBuilder(api.uri("/api/v1/pools/default"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
        assertThat(pool.header("Allow")).contains("PATCH");
        assertThat(pool.header("Accept-Patch").split(", *"))
                .containsExactlyInAnyOrder("application/json", "application/merge-patch+json");
    }

    @Test
    void aMethodNotAllowedAnsweredByTheErrorPageNamesThePathAsked() {
        // The dashboard's page is a static resource, whose 405 reaches the error page (at /, a
        // controller forwards to it, and the 405 is Spring's).
        var api = new Api(port);
        for (var path : List.of("/index.html", "/")) {
            var response = api.send(HttpRequest.newBuilder(api.uri(path)).DELETE());

            assertThat(response.status()).as(path).isEqualTo(405);
            assertThat(response.contentType()).as(path).startsWith("application/problem+json");
            assertThat(response.body().path("instance").asString()).isEqualTo(path);
        }
    }

    @Test
    void aRequestLineOverTheLimitIsStillABadRequestProblem() {
        // Past server.max-http-request-header-size (8 KB), Tomcat refuses the request before routing.
        var response = new Api(port).get("/api/v1/tasks?label=a:" + "b".repeat(10_000));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.body().path("type").asString()).isEqualTo("urn:tempora:problem:malformed-request");
    }

    /**
     * Tomcat leaves a path parameter undecoded, so a malformed escape there passed it, then failed
     * Spring's path parsing: a 500, for TRACE (answered by the error page) too.
     */
    @Test
    void aMalformedEscapeInAPathParameterIsABadRequestProblem() {
        var api = new Api(port);
        for (var method : List.of("GET", "POST", "TRACE")) {
            var response = api.raw(method, "/api/v1/tasks;b=%ZZ");
            assertThat(response.status()).as(method + " " + response.text()).isBetween(400, 499);
            assertThat(response.contentType()).as(method).startsWith("application/problem+json");
        }
        var get = api.raw("GET", "/api/v1/tasks;b=%ZZ");
        assertThat(get.status()).isEqualTo(400);
        assertThat(get.body().path("type").asString()).isEqualTo("urn:tempora:problem:malformed-request");
    }

    @Test
    void errorsTemporaAnswersItselfKeepTheirProblems() {
        var response = new Api(port).get("/api/v1/tasks/not-a-task-id");

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.body().path("type").asString()).isNotEqualTo("urn:tempora:problem:malformed-request");
    }
}
