package dev.tempora.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tempora.Api;
import dev.tempora.TestHandlers;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.util.ReflectionTestUtils;

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

    @Autowired
    ConfigurableApplicationContext context;

    @Autowired
    JdbcClient jdbc;

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
        var loader = loaderThread();
        // Between passes, the loader waits for the next: interrupted there.
        await().atMost(Duration.ofSeconds(5))
                .until(() -> Arrays.stream(loader.getStackTrace())
                        .anyMatch(frame -> frame.getMethodName().equals("awaitNextPass")));
        loader.interrupt();
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(output.getOut()).contains("The loader was interrupted"));

        var id = api.submit("""
                {"handler": "echo", "args": "after an interrupt", "delay": 0.1}""");

        assertThat(api.await(id, Duration.ofSeconds(10)).path("state").asString())
                .isEqualTo("SUCCEEDED");
        assertThat(loader.isAlive()).isTrue();
    }

    /**
     * A stop waits 5 s for the loader's pass under way, then goes on. Before, if that pass ended
     * after the application had started again (in the same process), its thread went on beside the
     * new loader for good, and put what it had reserved under the earlier node id into the new
     * run's timer.
     */
    @Test
    @DirtiesContext
    void aPassAStopGaveUpOnEndsWithItsThreadAfterTheNextStart(CapturedOutput output) throws Exception {
        var before = loaderThread();
        finder.holdNextReservation();
        var id = api.submit("""
                {"handler": "echo", "args": "held", "delay": 0.1}""");
        assertThat(finder.held.await(10, TimeUnit.SECONDS)).isTrue();

        context.stop();
        assertThat(output.getOut()).contains("A loader pass is still under way after PT5S; the stop goes on");
        context.start();
        finder.release.countDown();

        await().atMost(Duration.ofSeconds(10)).until(() -> !before.isAlive());
        assertThat(output.getOut()).contains("A loader pass of before a restart ended late; its 1 tasks are left");
        assertThat(loaderThread()).isNotSameAs(before).matches(Thread::isAlive);
        // Reserved under the earlier node id, which counts as nobody's: the new loader takes it.
        await().atMost(Duration.ofSeconds(10))
                .until(() -> jdbc.sql("select state from task where id = :id")
                        .param("id", UUID.fromString(id))
                        .query(String.class)
                        .single()
                        .equals("SUCCEEDED"));
    }

    /** This context's loader thread, of its latest start. */
    private Thread loaderThread() {
        return (Thread) ReflectionTestUtils.getField(context.getBean("loader"), "thread");
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
        private final AtomicBoolean holdNext = new AtomicBoolean();
        volatile boolean failed;
        final CountDownLatch held = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        FailingFinder(JdbcClient jdbc, DatabaseProduct database) {
            super(jdbc, database);
        }

        void failNextWithError() {
            failNext.set(true);
        }

        /** The next pass that reserves a task waits, once it has, for {@link #release}. */
        void holdNextReservation() {
            holdNext.set(true);
        }

        @Override
        public List<DueTask> reserveDue(Instant horizon, int limit, String owner, Pools pools) {
            if (failNext.getAndSet(false)) {
                failed = true;
                throw new NoClassDefFoundError("a test's pass that fails with an Error");
            }
            var found = super.reserveDue(horizon, limit, owner, pools);
            if (!found.isEmpty() && holdNext.getAndSet(false)) {
                held.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            return found;
        }
    }
}
