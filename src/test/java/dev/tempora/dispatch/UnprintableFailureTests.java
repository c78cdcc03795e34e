package dev.tempora.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tempora.handler.TaskContext;
import dev.tempora.handler.TaskHandler;
import dev.tempora.task.NewTask;
import dev.tempora.task.TaskService;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A handler throws an exception whose message cannot be built: its {@code getMessage}, and so its
 * {@code toString}, throws. The worker's log line and the stored outcome read that message after
 * the claim had committed; the second exception escaped the worker, no outcome was recorded, and
 * the task stayed RUNNING for this live node, held by nobody, for as long as it lived (no loader
 * takes a RUNNING task, and recovery only those of nodes gone from the node list). Found by review.
 */
@SpringBootTest
class UnprintableFailureTests {

    /** Its message cannot be read: a bug in the handler's own exception class. */
    static final class Unprintable extends RuntimeException {
        @Override
        public String getMessage() {
            throw new IllegalStateException("the message of this exception cannot be built");
        }
    }

    /** Its message recurses (getMessage, toString, getLocalizedMessage, getMessage): a StackOverflowError. */
    static final class Recursive extends RuntimeException {
        @Override
        public String getMessage() {
            return "recursive: " + toString();
        }
    }

    /** A result whose getter fails with an Error. */
    public static final class BadResult {
        public String getValue() {
            throw new AssertionError("not initialised");
        }
    }

    @TestConfiguration(proxyBeanMethods = false)
    static class Handlers {
        @Bean
        TaskHandler recursiveHandler() {
            return handler("recursive", () -> {
                throw new Recursive();
            });
        }

        @Bean
        TaskHandler badResultHandler() {
            return handler("badresult", BadResult::new);
        }

        private static TaskHandler handler(String name, java.util.function.Supplier<Object> handle) {
            return new TaskHandler() {
                @Override
                public String name() {
                    return name;
                }

                @Override
                public Object handle(TaskContext context) {
                    return handle.get();
                }
            };
        }

        @Bean
        TaskHandler unprintableHandler() {
            return new TaskHandler() {
                @Override
                public String name() {
                    return "unprintable";
                }

                @Override
                public Object handle(TaskContext context) {
                    throw new Unprintable();
                }
            };
        }
    }

    @Autowired
    TaskService tasks;

    @Autowired
    JdbcClient jdbc;

    /**
     * An Error while the outcome is read (a StackOverflowError from a message that recurses, an
     * AssertionError from a result's getter) escaped the worker, as above. Found by review.
     */
    @Test
    void aTaskWhoseOutcomeCannotBeReadAtAllFails() {
        for (var handler : new String[] {"recursive", "badresult"}) {
            var failure = failureOf(handler);
            assertThat(failure.get("exception_type")).as(handler).isEqualTo("UnreadableOutcome");
            assertThat((String) failure.get("exception_message"))
                    .as(handler)
                    .contains(handler.equals("recursive") ? "StackOverflowError" : "AssertionError");
        }
    }

    @Test
    void aTaskWhoseHandlerThrowsAnExceptionWithoutAReadableMessageFails() {
        var failure = failureOf("unprintable");
        assertThat(failure.get("exception_type")).isEqualTo("Unprintable");
        assertThat(failure.get("exception_message"))
                .isEqualTo("(its message could not be read: java.lang.IllegalStateException)");
        assertThat((String) failure.get("exception_trace"))
                .startsWith(Unprintable.class.getName() + "\n\tat ")
                .containsPattern("UnprintableFailureTests\\$Handlers\\$\\d+\\.handle");
    }

    /** The stored exception of a task of {@code handler}, once it has FAILED. */
    private Map<String, Object> failureOf(String handler) {
        var id = tasks.submit(new NewTask(handler, null, null, null, 0, null, null, "default", Map.of(), Set.of()))
                .getId();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> jdbc.sql("select state from task where id = :id")
                        .param("id", id)
                        .query(String.class)
                        .single()
                        .equals("FAILED"));
        return jdbc.sql("select exception_type, exception_message, exception_trace from task where id = :id")
                .param("id", id)
                .query()
                .singleRow();
    }
}
