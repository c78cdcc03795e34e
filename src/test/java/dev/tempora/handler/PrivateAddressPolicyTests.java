package dev.tempora.handler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempora.Api;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/** With {@code tempora.outbound.allow-private=false}, loopback and private addresses are refused. */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "tempora.outbound.allow-private=false")
class PrivateAddressPolicyTests {

    @LocalServerPort
    int port;

    @Test
    void loopbackAndPrivateAddressesAreRefusedIncludingByHostName() throws Exception {
        var api = new Api(port);
        try (var server = new LocalHttpServer()) {
            for (var url :
                    new String[] {server.url("/json"), "http://10.0.0.1/", "http://192.168.1.1/", "http://[::1]/"}) {
                var refused = api.post("/api/v1/tasks", """
                        {"handler": "http", "args": {"url": "%s", "timeout": 2}}""".formatted(url));
                assertThat(refused.status()).as(url).isEqualTo(400);
                assertThat(refused.errorFields()).containsExactly("args.url");
            }
            // A name is judged on the address it resolves to, when connecting.
            var viaName = server.url("/json").replace("127.0.0.1", "localhost");
            var id = api.submit("""
                    {"handler": "http", "args": {"url": "%s", "timeout": 2}}""".formatted(viaName));
            var task = api.await(id, Duration.ofSeconds(10));
            assertThat(task.path("state").asString()).isEqualTo("FAILED");
            assertThat(task.path("exception").path("message").asString()).contains("outbound policy");
            assertThat(server.received).isEmpty();

            // Webhooks follow the same policy: the delivery's attempt fails, nothing is sent.
            var withCallback = api.submit("""
                    {"handler": "echo", "callbackUrl": "%s"}""".formatted(viaName));
            api.await(withCallback, Duration.ofSeconds(5));
            JsonNode attempts = null;
            for (int i = 0; i < 100 && (attempts == null || attempts.isEmpty()); i++) {
                Thread.sleep(50);
                var deliveries =
                        api.get("/api/v1/tasks/" + withCallback + "/deliveries").body();
                attempts = deliveries.isEmpty() ? null : deliveries.get(0).path("attempts");
            }
            assertThat(attempts).isNotNull().isNotEmpty();
            assertThat(attempts.get(0).path("error").asString()).contains("outbound policy");
            assertThat(server.received).isEmpty();
        }
    }
}
