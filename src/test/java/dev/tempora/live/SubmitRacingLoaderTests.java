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
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.annotation.Order;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A task submitted without a reservation (due beyond the loader's window, or a backlog, or other
 * instances to share with) is any loader's as soon as its row commits; its submission tells its
 * SCHEDULED only after that, once the commit is in the file (on H2, a checkpoint that takes
 * milliseconds under load; on either database, whenever the thread is next scheduled). A loader
 * pass in between reserved it and started it at once: the stream heard RUNNING and SUCCEEDED, and
 * only then SCHEDULED, so a view keeping each task's last event showed the ended task scheduled,
 * live and after a {@code Last-Event-ID}. Here a first listener holds the submitting thread right
 * after the commit, as a slow checkpoint does, and the look-ahead is too short for the task to be
 * reserved on submit. Found by review.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            // The window reaches a task only as it falls due: none is reserved on submit.
            "tempora.dispatch.look-ahead=PT0.001S",
            "tempora.dispatch.load-interval=PT0.05S"
        })
@Import({TestHandlers.class, SubmitRacingLoaderTests.Stall.class})
class SubmitRacingLoaderTests {

    static final AtomicBoolean ARMED = new AtomicBoolean();
    /** Whether the held submission then fails with an Error, which listeners do not catch. */
    static volatile boolean failing;

    static volatile TaskChanged held;
    static volatile CountDownLatch arrived;
    static volatile CountDownLatch release;

    @TestConfiguration(proxyBeanMethods = false)
    static class Stall {
        @Bean
        @Order(Integer.MIN_VALUE)
        TaskListener stallSubmissionAfterCommit() {
            return new TaskListener() {
                @Override
                public void changed(TaskChanged changed) {
                    if (changed.state() == TaskState.SCHEDULED && ARMED.getAndSet(false)) {
                        held = changed;
                        arrived.countDown();
                        try {
                            release.await(20, TimeUnit.SECONDS);
                        } catch (InterruptedException interrupted) {
                            Thread.currentThread().interrupt();
                        }
                        if (failing) {
                            throw new LinkageError("a listener failed with an Error");
                        }
                    }
                }
            };
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void arm() {
        TestHandlers.reset();
        failing = false;
        arrived = new CountDownLatch(1);
        release = new CountDownLatch(1);
        ARMED.set(true);
    }

    @AfterEach
    void close() {
        release.countDown();
        http.shutdownNow();
    }

    @Test
    void aTaskStartedByTheLoaderBeforeItsSubmissionToldOfItStreamsScheduledFirst() throws Exception {
        var api = new Api(port);
        var live = listen(api, "", null);
        var submit = CompletableFuture.supplyAsync(() -> api.submit("""
                {"handler": "record", "args": {"name": "raced-submit"}, "delay": 0.3}"""));
        var id = heldUntilReserved();
        // Time for the worker to start it, and for its claim and outcome to be told.
        TimeUnit.MILLISECONDS.sleep(1000);
        release.countDown();
        assertThat(submit.get(10, TimeUnit.SECONDS)).isEqualTo(id);

        await().atMost(Duration.ofSeconds(10))
                .until(() -> EventStreamTests.states(live, id).contains("SUCCEEDED"));
        assertThat(TestHandlers.started()).containsExactly("raced-submit");
        assertThat(EventStreamTests.states(live, id))
                .as("in the order the task went through them")
                .containsExactly("SCHEDULED", "RUNNING", "SUCCEEDED");

        // Replayed from the start of the log (this process's epoch, sequence 0), in the same order.
        var epoch = EventStreamTests.changes(live).getFirst().id().split("-")[0];
        var replayed = listen(api, "?task=" + id, epoch + "-0");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> EventStreamTests.states(replayed, id).contains("SUCCEEDED"));
        assertThat(EventStreamTests.states(replayed, id)).containsExactly("SCHEDULED", "RUNNING", "SUCCEEDED");
    }

    /**
     * A submission whose telling fails with an Error (a listener's {@code LinkageError}; listeners
     * catch the rest) after the loader parked the task's run: it never started, and stayed
     * reserved for this live node, held here, until a restart.
     */
    @Test
    void aTaskWhoseSubmissionFailsAfterItsCommitStillRuns() throws Exception {
        failing = true;
        var api = new Api(port);
        var submit = CompletableFuture.supplyAsync(() -> api.post("/api/v1/tasks", """
                {"handler": "record", "args": {"name": "told-nothing"}, "delay": 0.3}"""));
        var id = heldUntilReserved();
        release.countDown();
        assertThat(submit.get(10, TimeUnit.SECONDS).status()).isEqualTo(500);

        assertThat(api.await(id, Duration.ofSeconds(10)).path("state").asString())
                .isEqualTo("SUCCEEDED");
        assertThat(TestHandlers.started()).containsExactly("told-nothing");
    }

    /** Holds the submission after its commit until the loader has reserved its task; the task's id. */
    private String heldUntilReserved() throws InterruptedException {
        assertThat(arrived.await(10, TimeUnit.SECONDS))
                .as("submission committed")
                .isTrue();
        var id = held.id().toString();
        // The loader's pass once the task falls due reserves it, the submission still untold.
        await().atMost(Duration.ofSeconds(10)).until(() -> reserved(id));
        return id;
    }

    private boolean reserved(String id) {
        return jdbc.sql("select count(*) from task where id = :id and owner is not null")
                        .param("id", UUID.fromString(id))
                        .query(Long.class)
                        .single()
                == 1;
    }

    private List<EventStreamTests.Event> listen(Api api, String query, String lastEventId) {
        var events = new CopyOnWriteArrayList<EventStreamTests.Event>();
        var request = HttpRequest.newBuilder(api.uri("/api/v1/events" + query)).header("Accept", "text/event-stream");
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        CompletableFuture<?> _ = http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofLines())
                .thenAcceptAsync(response -> EventStreamTests.read(response, events), EventStreamTests.OWN_THREAD);
        await().atMost(Duration.ofSeconds(10)).until(() -> !events.isEmpty());
        return events;
    }
}
