package dev.tempora.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempora.Api;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * A stream ends by itself after {@code tempora.events.timeout}, as a normal end: its place is free
 * again, and nothing is logged. (Each timed-out stream logged a WARN that a 503 could not be sent
 * on a response already under way: one per dashboard every ten minutes.)
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"tempora.events.timeout=PT1S", "tempora.events.max-subscribers=1"})
@ExtendWith(OutputCaptureExtension.class)
class StreamTimeoutTests {

    @LocalServerPort
    int port;

    final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void close() {
        http.shutdownNow();
    }

    HttpResponse<String> readToTheEnd() throws Exception {
        return http.send(
                HttpRequest.newBuilder(new Api(port).uri("/api/v1/events"))
                        .header("Accept", "text/event-stream")
                        .timeout(Duration.ofSeconds(30))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aStreamThatTimesOutEndsQuietlyAndFreesItsPlace(CapturedOutput output) throws Exception {
        var first = readToTheEnd();
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.body()).contains("tempora events");
        // Its place (the only one) is free again: the next stream is not refused.
        var second = readToTheEnd();
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(output.getOut() + output.getErr())
                .doesNotContain("AsyncRequestTimeoutException")
                .doesNotContain("already committed");
    }
}
