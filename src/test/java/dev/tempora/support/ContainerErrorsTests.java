package dev.tempora.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempora.Api;
import java.util.List;
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
        }
    }

    @Test
    void errorsTemporaAnswersItselfKeepTheirProblems() {
        var response = new Api(port).get("/api/v1/tasks/not-a-task-id");

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.body().path("type").asString()).isNotEqualTo("urn:tempora:problem:malformed-request");
    }
}
