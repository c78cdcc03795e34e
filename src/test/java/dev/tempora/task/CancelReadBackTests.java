package dev.tempora.task;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempora.Api;
import dev.tempora.InterceptedConnections;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * A cancel commits, and the read of the task for its answer finds the database out of reach (its
 * session ended in between: a fault check saw this while PostgreSQL sessions were being ended).
 * The cancel is made, so the answer must not say nothing changed: the read is made again, and if
 * the database stays away the answer is {@code 503 outcome-unknown} naming the task, which reads
 * CANCELLED once the database is back.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Import(CancelReadBackTests.FailingReads.class)
class CancelReadBackTests {

    static final String CANCEL = "update task set state = 'CANCELLED'";

    /** The read of a task by id, as Spring Data's query for it starts. */
    static final String READ = "select t1_0.id";

    /** How many reads of a task fail once a cancel has been written. */
    static final AtomicInteger failingReads = new AtomicInteger();

    static final AtomicBoolean cancelWritten = new AtomicBoolean();

    @LocalServerPort
    int port;

    @AfterEach
    void disarm() {
        failingReads.set(0);
        cancelWritten.set(false);
    }

    @Test
    void aReadBackThatFailsOnceIsMadeAgainAndTheCancelAnswered() {
        var api = new Api(port);
        var id = api.submit("{\"handler\": \"echo\", \"delay\": \"PT1H\"}");
        failingReads.set(1);

        var cancelled = api.post("/api/v1/tasks/" + id + "/cancel");

        assertThat(failingReads).as("the fault was injected").hasValue(0);
        assertThat(cancelled.status()).as(cancelled.text()).isEqualTo(200);
        assertThat(cancelled.body().path("state").asString()).isEqualTo("CANCELLED");
    }

    @Test
    void aCancelWhoseTaskCannotBeReadBackIsAnsweredAsMadeNotAsNothingChanged() {
        var api = new Api(port);
        var id = api.submit("{\"handler\": \"echo\", \"delay\": \"PT1H\"}");
        failingReads.set(100);

        var cancelled = api.post("/api/v1/tasks/" + id + "/cancel");

        assertThat(cancelled.status()).as(cancelled.text()).isEqualTo(503);
        assertThat(cancelled.body().path("type").asString()).isEqualTo("urn:tempora:problem:outcome-unknown");
        assertThat(cancelled.body().path("detail").asString()).startsWith("The cancel was made");
        assertThat(cancelled.body().path("taskIds").path(0).asString()).isEqualTo(id);
        failingReads.set(0);
        assertThat(api.get("/api/v1/tasks/" + id).body().path("state").asString())
                .isEqualTo("CANCELLED");
    }

    @TestConfiguration
    static class FailingReads {

        /** The true edge, faked: a session ended between a cancel's commit and the read after it. */
        @Bean
        static BeanPostProcessor failingReads() {
            return InterceptedConnections.with(() -> (connection, method, args) -> {
                if (InterceptedConnections.prepares(method, args, CANCEL)) {
                    cancelWritten.set(true);
                } else if (cancelWritten.get()
                        && InterceptedConnections.prepares(method, args, READ)
                        && failingReads.getAndUpdate(left -> Math.max(0, left - 1)) > 0) {
                    throw new SQLException("FATAL: terminating connection due to administrator command", "57P01");
                }
                return InterceptedConnections.proceed(connection, method, args);
            });
        }
    }
}
