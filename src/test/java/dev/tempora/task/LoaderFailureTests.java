package dev.tempora.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tempora.Api;
import dev.tempora.TestHandlers;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The loader is the only way a task not reserved on submit reaches a worker: whatever befalls one
 * of its passes, or its thread between passes, it goes on. The look-ahead is too short for a task
 * to be reserved on submit, so each task here starts only through a loader pass.
 */
@Tag("h2-only") // the loader's own handling, the same on either database
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"tempora.dispatch.look-ahead=PT0.001S", "tempora.dispatch.load-interval=PT0.05S"})
@Import({TestHandlers.class, LoaderFailureTests.FailingFinderConfiguration.class})
@ExtendWith(OutputCaptureExtension.class)
class LoaderFailureTests {

    @LocalServerPort
    int port;

    @Autowired
    FailingFinder finder;

    Api api;

    @BeforeEach
    void setUp() {
        api = new Api(port);
    }

    /** Before, the pass that worked after an Error said nothing: the log showed no end to the failure. */
    @Test
    void aPassFailingWithAnErrorIsRetriedAndItsRecoveryLogged(CapturedOutput output) {
        finder.failNextWithError();

        var id = api.submit("""
                {"handler": "echo", "args": "after an error", "delay": 0.1}""");

        assertThat(api.await(id, Duration.ofSeconds(10)).path("state").asString())
                .isEqualTo("SUCCEEDED");
        assertThat(finder.failed).isTrue();
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(output.getOut()).contains("Loading due tasks again"));
    }

    /** Before, a stray interrupt ended the loader's thread: nothing due was loaded again. */
    @Test
    void aStrayInterruptDoesNotEndTheLoader(CapturedOutput output) throws Exception {
        var loader = Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().equals("tempora-loader"))
                .findFirst()
                .orElseThrow();
        // Between passes, the loader waits for the next: interrupted there.
        await().atMost(Duration.ofSeconds(5)).until(() -> loader.getState() == Thread.State.TIMED_WAITING);
        loader.interrupt();
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(output.getOut()).contains("The loader was interrupted"));

        var id = api.submit("""
                {"handler": "echo", "args": "after an interrupt", "delay": 0.1}""");

        assertThat(api.await(id, Duration.ofSeconds(10)).path("state").asString())
                .isEqualTo("SUCCEEDED");
        assertThat(loader.isAlive()).isTrue();
    }

    @TestConfiguration(proxyBeanMethods = false)
    static class FailingFinderConfiguration {

        @Bean
        @Primary
        FailingFinder failingFinder(JdbcClient jdbc, DatabaseProduct database) {
            return new FailingFinder(jdbc, database);
        }
    }

    /** The true edge, faked: a pass that fails with an Error (a class that would not load, say). */
    static final class FailingFinder extends DueTaskFinder {

        private final AtomicBoolean failNext = new AtomicBoolean();
        volatile boolean failed;

        FailingFinder(JdbcClient jdbc, DatabaseProduct database) {
            super(jdbc, database);
        }

        void failNextWithError() {
            failNext.set(true);
        }

        @Override
        public List<DueTask> reserveDue(Instant horizon, int limit, String owner, Pools pools) {
            if (failNext.getAndSet(false)) {
                failed = true;
                throw new NoClassDefFoundError("a test's pass that fails with an Error");
            }
            return super.reserveDue(horizon, limit, owner, pools);
        }
    }
}
