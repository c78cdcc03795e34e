package dev.tempora.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tempora.Api;
import dev.tempora.TestHandlers;
import dev.tempora.task.TaskChanged;
import dev.tempora.task.TaskListener;
import dev.tempora.task.TaskState;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.annotation.Order;

/**
 * A cancel with {@code mayInterruptIfRunning} that commits right after a task's claim, while the
 * claims thread has not yet told anyone of it (descheduled between its commit and its listeners,
 * or telling a long batch of claims). The stream heard CANCELLED, then RUNNING, so its last event
 * for the task said RUNNING; and the worker, which registered its run only once it heard of its
 * claim, called the handler after the cancel's {@code 200}, interrupted only when the cluster
 * watcher next looked. Here a first listener holds the claims thread right after the commit. Found
 * by review.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Import({TestHandlers.class, CancelRacingClaimTests.Stall.class})
class CancelRacingClaimTests {

    static volatile String target;
    static final CountDownLatch ARRIVED = new CountDownLatch(1);
    static final CountDownLatch RELEASE = new CountDownLatch(1);

    @TestConfiguration(proxyBeanMethods = false)
    static class Stall {
        @Bean
        @Order(Integer.MIN_VALUE)
        TaskListener stallClaimsThreadAfterCommit() {
            return new TaskListener() {
                @Override
                public void changed(TaskChanged changed) {
                    if (changed.state() == TaskState.RUNNING
                            && changed.id().toString().equals(target)) {
                        ARRIVED.countDown();
                        try {
                            RELEASE.await(20, TimeUnit.SECONDS);
                        } catch (InterruptedException interrupted) {
                            Thread.currentThread().interrupt();
                        }
                    }
                }
            };
        }
    }

    @LocalServerPort
    int port;

    final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void close() {
        RELEASE.countDown();
        http.shutdownNow();
    }

    @Test
    void aCancelRightAfterAClaimCommitsEndsTheTasksEventsAndItsHandlerIsNeverCalled() throws Exception {
        TestHandlers.reset();
        var api = new Api(port);
        // A callback makes the worker wait for its claim (as every worker does in a cluster); it
        // listens for failures only, so nothing is sent.
        var events = listen(api, "");
        var due = Instant.now().plusSeconds(2);
        var id = api.submit("""
                {"handler": "block", "args": {"name": "raced", "gate": "raced"}, "runAt": "%s",
                 "callbackUrl": "http://127.0.0.1:9/never", "callbackEvents": ["task.failed"]}""".formatted(due));
        target = id;

        assertThat(ARRIVED.await(10, TimeUnit.SECONDS)).as("claim committed").isTrue();
        var cancel = api.post("/api/v1/tasks/" + id + "/cancel?mayInterruptIfRunning=true");
        boolean startedBeforeCancelAnswered = TestHandlers.started().contains("raced");
        RELEASE.countDown();

        await().atMost(Duration.ofSeconds(10)).until(() -> states(events, id).contains("CANCELLED"));
        // Time for the claims thread to tell RUNNING, and for the worker to call the handler.
        TimeUnit.MILLISECONDS.sleep(1000);
        var startedAfter = TestHandlers.started().contains("raced");
        var interrupted = TestHandlers.interrupted().contains(id);
        TestHandlers.open("raced");

        assertThat(cancel.status()).isEqualTo(200);
        assertThat(cancel.body().path("state").asString()).isEqualTo("CANCELLED");
        assertThat(startedBeforeCancelAnswered).isFalse();
        assertThat(states(events, id))
                .as("the claim's RUNNING, told after the cancel, is left out")
                .containsExactly("SCHEDULED", "CANCELLED");
        assertThat(startedAfter)
                .as("a task answered CANCELLED never has its handler called afterwards")
                .isFalse();
        assertThat(interrupted).as("nothing ran to interrupt").isFalse();
    }

    private List<EventStreamTests.Event> listen(Api api, String query) {
        var events = new CopyOnWriteArrayList<EventStreamTests.Event>();
        var request = HttpRequest.newBuilder(api.uri("/api/v1/events" + query))
                .header("Accept", "text/event-stream")
                .build();
        CompletableFuture<?> _ = http.sendAsync(request, HttpResponse.BodyHandlers.ofLines())
                .thenAcceptAsync(
                        response -> EventStreamTests.read(response, events),
                        reader -> Thread.ofVirtual().start(reader));
        await().atMost(Duration.ofSeconds(10)).until(() -> !events.isEmpty());
        return events;
    }

    private static List<String> states(List<EventStreamTests.Event> events, String id) {
        return events.stream()
                .filter(event -> event.name().equals("task"))
                .filter(event -> event.json().path("id").asString().equals(id))
                .map(event -> event.json().path("state").asString())
                .toList();
    }
}
