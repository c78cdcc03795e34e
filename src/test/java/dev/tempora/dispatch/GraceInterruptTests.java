package dev.tempora.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tempora.Api;
import dev.tempora.InterceptedConnections;
import dev.tempora.TestHandlers;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;

/**
 * At the end of the shutdown grace, the handlers still running are interrupted, and nothing else.
 * Their workers then give their tasks back with a write to the database; before, the whole pool
 * was interrupted too ({@code shutdownNow}), and that interrupt could land in the write. On an H2
 * file an interrupt in a file read closes the channel, and with it the database for the rest of
 * the stop: seen in a SIGTERM under load, followed by 1,784 errors.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "tempora.dispatch.shutdown-grace=PT0.5S")
@Import({TestHandlers.class, GraceInterruptTests.SlowPutBack.class})
@DirtiesContext
class GraceInterruptTests {

    static final String PUT_BACK = "update task set state = 'SCHEDULED', owner = null where ";

    /** How long a worker's put-back takes: long enough for a stray interrupt to land in it. */
    static final Duration PUT_BACK_TIME = Duration.ofSeconds(1);

    static final AtomicBoolean putBackSeen = new AtomicBoolean();
    static final AtomicBoolean putBackInterrupted = new AtomicBoolean();

    @LocalServerPort
    int port;

    @Autowired
    ConfigurableApplicationContext context;

    @Autowired
    JdbcClient jdbc;

    @Test
    void theGraceEndsByInterruptingHandlersNotTheWritesThatGiveTheirTasksBack() {
        TestHandlers.reset();
        var id = new Api(port).submit("{\"handler\": \"block\", \"args\": {\"gate\": \"never\"}}");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> TestHandlers.started().contains(id));

        context.stop();

        assertThat(TestHandlers.interrupted()).as("the handler was interrupted").containsExactly(id);
        assertThat(putBackSeen).as("its worker gave the task back").isTrue();
        assertThat(putBackInterrupted)
                .as("the worker was not interrupted again while it did")
                .isFalse();
        assertThat(jdbc.sql("select state from task where id = ?")
                        .param(UUID.fromString(id))
                        .query(String.class)
                        .single())
                .isEqualTo("SCHEDULED");
    }

    @TestConfiguration
    static class SlowPutBack {

        /** Stretches a worker's put-back to {@link #PUT_BACK_TIME}, noting an interrupt during it. */
        @Bean
        static BeanPostProcessor slowPutBack() {
            return InterceptedConnections.with(() -> (connection, method, args) -> {
                if (InterceptedConnections.prepares(method, args, PUT_BACK)
                        && Thread.currentThread().getName().startsWith("tempora-default-")) {
                    putBackSeen.set(true);
                    try {
                        Thread.sleep(PUT_BACK_TIME);
                    } catch (InterruptedException interrupted) {
                        putBackInterrupted.set(true);
                        Thread.currentThread().interrupt(); // as a file channel would see it
                    }
                }
                return InterceptedConnections.proceed(connection, method, args);
            });
        }
    }
}
