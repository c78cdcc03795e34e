package dev.tempora.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tempora.Api;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/** What Prometheus scrapes, and the probes. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class MetricsTests {

    @LocalServerPort
    int port;

    Api api;

    @BeforeEach
    void setUp() {
        api = new Api(port);
    }

    @Test
    void prometheusShowsTasksByHandlerPoolAndOutcome() {
        var succeeded = api.submit("{\"handler\": \"echo\"}");
        var failed = api.submit("{\"handler\": \"fail\", \"args\": {\"message\": \"no\"}}");
        var cancelled = api.submit("{\"handler\": \"sleep\", \"delay\": 3600}");
        api.post("/api/v1/tasks/" + cancelled + "/cancel");
        api.await(succeeded, Duration.ofSeconds(5));
        api.await(failed, Duration.ofSeconds(5));

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            var scrape = scrape();
            assertThat(scrape)
                    .contains(
                            "tempora_tasks_submitted_total{application=\"tempora\",handler=\"echo\",pool=\"default\"}")
                    .contains("tempora_tasks_started_total{application=\"tempora\",handler=\"fail\",pool=\"default\"}")
                    .contains(
                            "tempora_tasks_ended_total{application=\"tempora\",handler=\"echo\",outcome=\"succeeded\","
                                    + "pool=\"default\"}")
                    .contains("tempora_tasks_ended_total{application=\"tempora\",handler=\"fail\",outcome=\"failed\","
                            + "pool=\"default\"}")
                    .contains(
                            "tempora_tasks_ended_total{application=\"tempora\",handler=\"sleep\",outcome=\"cancelled\","
                                    + "pool=\"default\"}");
        });
    }

    @Test
    void prometheusShowsHistogramsDepthAndPools() {
        api.await(api.submit("{\"handler\": \"echo\"}"), Duration.ofSeconds(5));
        api.submit("{\"handler\": \"echo\", \"delay\": 3600}");
        // A run's end is counted just after its commit, which is what the wait above sees.
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(scrape())
                        .contains("# TYPE tempora_dispatch_lateness_seconds histogram")
                        .contains("tempora_dispatch_lateness_seconds_bucket{application=\"tempora\",le=\"0.001\"}")
                        .contains("# TYPE tempora_task_duration_seconds histogram")
                        .contains("tempora_task_duration_seconds_bucket{application=\"tempora\",handler=\"echo\","
                                + "outcome=\"succeeded\",pool=\"default\",le=\"0.001\"}")
                        .containsPattern(
                                "tempora_queue_depth_tasks\\{application=\"tempora\",state=\"SCHEDULED\"} [1-9]")
                        .contains("tempora_queue_depth_tasks{application=\"tempora\",state=\"QUEUED\"}")
                        .containsPattern("executor_pool_size_threads\\{application=\"tempora\",name=\"default\"} [1-9]")
                        .contains("executor_active_threads{application=\"tempora\",name=\"default\"}")
                        .contains("executor_queued_tasks{application=\"tempora\",name=\"default\"}")
                        // Registered at startup: 0 for an instance alone, rather than missing.
                        .contains("tempora_dispatch_handed_back_total{application=\"tempora\",pool=\"default\"} 0.0")
                        .containsPattern(
                                "executor_completed_tasks_total\\{application=\"tempora\",name=\"default\"} [1-9]"));
    }

    @Test
    void readinessIncludesTheDatabaseAndLivenessDoesNot() {
        var readiness = api.get("/actuator/health/readiness");
        assertThat(readiness.status()).isEqualTo(200);
        assertThat(readiness.body().path("status").asString()).isEqualTo("UP");
        assertThat(readiness.body().path("components").path("db").path("status").asString())
                .isEqualTo("UP");
        var liveness = api.get("/actuator/health/liveness");
        assertThat(liveness.status()).isEqualTo(200);
        assertThat(liveness.body().path("status").asString()).isEqualTo("UP");
        assertThat(liveness.text()).doesNotContain("\"db\"");
    }

    @Test
    void anActuatorPathWithNothingThereIsANotFoundProblem() {
        // The health and metrics endpoints answered an unknown group or metric with a bare 404.
        for (var path : List.of(
                "/actuator/health/nonexistent",
                "/actuator/health/readiness/nonexistent",
                "/actuator/metrics/nonexistent",
                "/actuator/nonexistent")) {
            var response = api.get(path);
            assertThat(response.status()).as(path).isEqualTo(404);
            assertThat(response.contentType()).as(path).startsWith("application/problem+json");
            assertThat(response.body().path("type").asString()).as(path).isEqualTo("urn:tempora:problem:not-found");
            assertThat(response.body().path("status").asInt()).as(path).isEqualTo(404);
            assertThat(response.body().path("instance").asString()).as(path).isEqualTo(path);
        }
    }

    private String scrape() {
        var response = api.get("/actuator/prometheus");
        assertThat(response.status()).isEqualTo(200);
        return response.text();
    }
}
