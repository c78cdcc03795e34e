package dev.tempora.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempora.Api;
import java.net.http.HttpRequest;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * What a browser is told, so that another origin's page cannot use an operator's browser against
 * Tempora: no change requested from another origin (Fetch Metadata), no framing of the dashboard,
 * no sniffing of answers into another type.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class BrowserSafetyTests {

    private static final String FAR = "{\"handler\": \"echo\", \"args\": 1, \"runAt\": \"2099-01-01T00:00:00Z\"}";

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    @Test
    void aCancelSentFromAnotherSitesPageIsRefusedAndChangesNothing() {
        var api = new Api(port);
        var id = api.submit(FAR);

        var refused = api.send(
                fromSite("cross-site", "/api/v1/tasks/" + id + "/cancel").POST(HttpRequest.BodyPublishers.noBody()));

        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.contentType()).startsWith("application/problem+json");
        assertThat(refused.body().path("type").asString()).isEqualTo("urn:tempora:problem:cross-site-request");
        assertThat(api.get("/api/v1/tasks/" + id).body().path("state").asString())
                .isEqualTo("SCHEDULED");

        var cancelled = api.send(
                fromSite("same-origin", "/api/v1/tasks/" + id + "/cancel").POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(cancelled.status()).isEqualTo(200);
        assertThat(cancelled.body().path("state").asString()).isEqualTo("CANCELLED");
    }

    @Test
    void aSubmissionFromAnotherSiteStoresNothing() {
        var api = new Api(port);
        long before = tasks();

        var refused = api.send(fromSite("cross-site", "/api/v1/tasks")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(FAR)));

        assertThat(refused.status()).isEqualTo(403);
        assertThat(tasks()).isEqualTo(before);
        // A page of the same site but another origin (another port, a subdomain) is refused too.
        var sameSite = api.send(fromSite("same-site", "/api/v1/tasks")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(FAR)));
        assertThat(sameSite.status()).isEqualTo(403);
        assertThat(tasks()).isEqualTo(before);
        // What the user typed or bookmarked (none) and the service's own pages pass.
        for (var site : new String[] {"none", "same-origin"}) {
            var stored = api.send(fromSite(site, "/api/v1/tasks")
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(FAR)));
            assertThat(stored.status()).as(site).isEqualTo(201);
            api.post("/api/v1/tasks/" + stored.body().path("id").asString() + "/cancel");
        }
    }

    @Test
    void aChangeFromAnotherOriginIsRefusedByItsOriginWhereTheBrowserSendsNoFetchMetadata() {
        // Browsers send Sec-Fetch-Site only to https and loopback URLs: a form on another origin
        // posting to Tempora at a LAN name over plain http sends only its Origin. A review's
        // Chromium cancelled a task that way.
        var api = new Api(port);
        var id = api.submit(FAR);
        var cancel = "/api/v1/tasks/" + id + "/cancel";

        for (var origin : new String[] {"http://evil.test:8097", "null", "http://127.0.0.1:" + (port + 1)}) {
            var refused = api.send(HttpRequest.newBuilder(api.uri(cancel))
                    .header("Origin", origin)
                    .header("Content-Type", "text/plain")
                    .POST(HttpRequest.BodyPublishers.ofString("a=b")));
            assertThat(refused.status()).as(origin).isEqualTo(403);
            assertThat(refused.body().path("type").asString()).isEqualTo("urn:tempora:problem:cross-site-request");
            assertThat(refused.body().path("detail").asString()).contains("Origin: " + origin);
        }
        assertThat(api.get("/api/v1/tasks/" + id).body().path("state").asString())
                .isEqualTo("SCHEDULED");

        // The dashboard's own page, where the browser sends no Fetch Metadata: its Origin is the Host.
        var cancelled = api.send(HttpRequest.newBuilder(api.uri(cancel))
                .header("Origin", "http://127.0.0.1:" + port)
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertThat(cancelled.status()).isEqualTo(200);
        assertThat(cancelled.body().path("state").asString()).isEqualTo("CANCELLED");
    }

    @Test
    void readsFromAnotherSiteAreLeftToTheSameOriginPolicy() {
        var api = new Api(port);

        var read = api.send(fromSite("cross-site", "/api/v1/handlers").GET());

        assertThat(read.status()).isEqualTo(200);
        assertThat(read.header("Access-Control-Allow-Origin")).isNull();
    }

    @Test
    void theDashboardMayNotBeFramedAndAnswersAreNotSniffed() {
        var api = new Api(port);

        var page = api.get("/");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.header("Content-Security-Policy"))
                .contains("default-src 'self'", "frame-ancestors 'none'", "object-src 'none'");
        assertThat(page.header("X-Frame-Options")).isEqualTo("DENY");
        assertThat(page.header("X-Content-Type-Options")).isEqualTo("nosniff");

        var answer = api.get("/api/v1/stats");
        assertThat(answer.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(answer.header("X-Frame-Options")).isEqualTo("DENY");
    }

    @Test
    void theDashboardIsTheAnswerToWhatTakesHtml() {
        var api = new Api(port);
        var browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        for (var accept : new String[] {browser, "*/*", "text/html"}) {
            var page = api.send(HttpRequest.newBuilder(api.uri("/"))
                    .header("Accept", accept)
                    .GET());
            assertThat(page.status()).as(accept).isEqualTo(200);
            assertThat(page.contentType()).as(accept).startsWith("text/html");
            assertThat(page.text()).as(accept).contains("<title>");
        }
        var head = api.send(HttpRequest.newBuilder(api.uri("/")).HEAD());
        assertThat(head.status()).isEqualTo(200);
        assertThat(head.contentType()).startsWith("text/html");
    }

    @Test
    void theOpenApiDocumentSaysWhichOperationsMayAnswer403() {
        var paths = new Api(port).get("/v3/api-docs").body().path("paths");

        assertThat(paths.path("/api/v1/tasks").path("post").path("responses").has("403"))
                .isTrue();
        assertThat(paths.path("/api/v1/tasks/{id}/cancel")
                        .path("post")
                        .path("responses")
                        .has("403"))
                .isTrue();
        assertThat(paths.path("/api/v1/tasks").path("get").path("responses").has("403"))
                .isFalse();
    }

    private HttpRequest.Builder fromSite(String site, String path) {
        return HttpRequest.newBuilder(new Api(port).uri(path))
                .timeout(Duration.ofSeconds(30))
                .header("Sec-Fetch-Site", site)
                .header("Sec-Fetch-Mode", "cors");
    }

    private long tasks() {
        return jdbc.sql("select count(*) from task").query(Long.class).single();
    }
}
