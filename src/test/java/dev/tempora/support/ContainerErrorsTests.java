package dev.tempora.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempora.Api;
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
    void errorsTemporaAnswersItselfKeepTheirProblems() {
        var response = new Api(port).get("/api/v1/tasks/not-a-task-id");

        assertThat(response.status()).isEqualTo(404);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.body().path("type").asString()).isNotEqualTo("urn:tempora:problem:malformed-request");
    }
}
