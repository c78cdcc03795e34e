package dev.tempora.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tempora.Api;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * A client that stops reading its event stream is disconnected once it is {@code max-pending}
 * frames behind, and its place among {@code max-subscribers} is free again at once.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "tempora.events.max-subscribers=2",
            "tempora.events.max-pending=10",
            "tempora.events.heartbeat=PT0.5S"
        })
class StuckStreamTests {

    @LocalServerPort
    int port;

    final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void close() {
        http.shutdownNow();
    }

    /** Opens a stream; its status, and the body to close (null when refused). */
    record Opened(int status, InputStream body) {}

    Opened open(String query) throws IOException, InterruptedException {
        var response = http.send(
                HttpRequest.newBuilder(new Api(port).uri("/api/v1/events" + query))
                        .header("Accept", "text/event-stream")
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            response.body().close();
            return new Opened(response.statusCode(), null);
        }
        return new Opened(200, response.body());
    }

    @Test
    void aClientThatStopsReadingGivesUpItsPlace() throws Exception {
        var api = new Api(port);
        try (var stuck = new Socket()) {
            // Reads nothing: once the socket buffers are full, every write to it blocks.
            stuck.setReceiveBufferSize(1024);
            stuck.connect(new InetSocketAddress("127.0.0.1", port));
            stuck.getOutputStream()
                    .write(("GET /api/v1/events HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            // Subscribed once its answer has begun: 200 and the greeting.
            var answer = new StringBuilder();
            var in = stuck.getInputStream();
            while (!answer.toString().contains("tempora events")) {
                int read = in.read();
                assertThat(read).isNotNegative();
                answer.append((char) read);
            }
            assertThat(answer.toString()).startsWith("HTTP/1.1 200");
            // A quiet stream holds the other place: a third is refused.
            var quiet = open("?handler=none-such");
            assertThat(quiet.status()).isEqualTo(200);
            assertThat(open("").status()).isEqualTo(503);

            // Several MB of changes (64 labels of 1,000 characters each): far more than the
            // socket buffers and 10 frames hold.
            var labels = new StringBuilder();
            for (int i = 0; i < 64; i++) {
                labels.append(i == 0 ? "" : ", ").append("\"k%d\": \"%s\"".formatted(i, "x".repeat(1000)));
            }
            for (int i = 0; i < 50; i++) {
                api.submit("{\"handler\": \"echo\", \"labels\": {%s}}".formatted(labels));
            }

            // Before, the stuck stream kept its place for good (minutes, and after its client
            // closed the socket too): every further stream got 503.
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                var next = open("");
                if (next.body() == null) {
                    return false;
                }
                next.body().close();
                return true;
            });
            quiet.body().close();
        }
    }
}
