package dev.tempora.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempora.Api;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * DNS rebinding: a page whose name now resolves to 127.0.0.1 reaches Tempora as "same-origin", with
 * its own name in the Host header. A browser's request reaching a loopback address is answered only
 * under the names a local page would use.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "tempora.api.allowed-hosts=tempora.internal")
class HostGuardTests {

    @LocalServerPort
    int port;

    Api api;

    @BeforeEach
    void setUp() {
        api = new Api(port);
    }

    @Test
    void aRequestOnLoopbackNamingAnotherHostIsRefusedAndChangesNothing() {
        long before = api.storedTasks();
        var read = request("GET", "/api/v1/tasks", "rebound.example:" + port, "");
        assertThat(read.status()).isEqualTo(403);
        assertThat(read.contentType()).startsWith("application/problem+json");
        assertThat(read.body().path("type").asString()).isEqualTo("urn:tempora:problem:host-not-allowed");
        assertThat(read.body().path("detail").asString()).contains("rebound.example", "tempora.api.allowed-hosts");
        assertThat(request("POST", "/api/v1/tasks", "rebound.example", "{\"handler\": \"echo\"}")
                        .status())
                .isEqualTo(403);
        assertThat(request("GET", "/", "rebound.example:" + port, "").status())
                .as("the dashboard")
                .isEqualTo(403);
        assertThat(api.storedTasks()).isEqualTo(before);
    }

    @Test
    void aRequestWithoutFetchMetadataNamingAnotherHostIsRefusedToo() {
        // A rebound page on plain http: browsers send Sec-Fetch-Site only to https and loopback
        // URLs, so its requests carry none. They were answered, and a review's Chromium read the
        // task list and submitted tasks that way.
        long before = api.storedTasks();
        var read = api.raw("GET /api/v1/tasks HTTP/1.0\r\nHost: rebound.example:%d\r\n\r\n".formatted(port));
        assertThat(read.status()).isEqualTo(403);
        assertThat(read.body().path("type").asString()).isEqualTo("urn:tempora:problem:host-not-allowed");
        var body = "{\"handler\": \"echo\"}";
        assertThat(api.raw(
                                "POST /api/v1/tasks HTTP/1.0\r\nHost: rebound.example\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                                        .formatted(body.length(), body))
                        .status())
                .isEqualTo(403);
        assertThat(api.storedTasks()).isEqualTo(before);
        // A proxy on this machine passing its public name on: the name is listed in the settings.
        assertThat(api.raw("GET /api/v1/stats HTTP/1.0\r\nHost: tempora.internal\r\n\r\n")
                        .status())
                .isEqualTo(200);
    }

    @Test
    void localNamesAddressesAndAllowedHostsAreAnswered() {
        for (var host : new String[] {
            "localhost:" + port,
            "LOCALHOST",
            "app.localhost:" + port,
            "127.0.0.1:" + port,
            "[::1]:" + port,
            "tempora.internal:" + port,
            "Tempora.Internal"
        }) {
            assertThat(request("GET", "/api/v1/stats", host, "").status())
                    .as(host)
                    .isEqualTo(200);
        }
    }

    private Api.Response request(String method, String path, String host, String body) {
        // As a browser sends it from a page of that name: same-origin.
        return api.raw(
                "%s %s HTTP/1.0\r\nHost: %s\r\nSec-Fetch-Site: same-origin\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                        .formatted(method, path, host, body.length(), body));
    }
}
