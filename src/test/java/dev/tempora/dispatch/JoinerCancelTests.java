package dev.tempora.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tempora.TemporaApplication;
import dev.tempora.TestHandlers;
import dev.tempora.postgres.PostgresDatabase;
import dev.tempora.task.NewTask;
import dev.tempora.task.NotReadyException;
import dev.tempora.task.Task;
import dev.tempora.task.TaskConflictException;
import dev.tempora.task.TaskId;
import dev.tempora.task.TaskService;
import dev.tempora.task.TaskState;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * An instance alone in the node list starts tasks ahead of their claims. One that joins it must not
 * decide a cancel of such a task before its claim is written: the database still holds the task
 * SCHEDULED, so the cancel would win there although the handler has run. The joiner used to wait
 * only for the other's lease on being alone (two heartbeats): a claim held up for longer lost to
 * the cancel, answered 200 CANCELLED for a task whose handler had run. Found by the cluster fault
 * review. Two instances share one database here, in this process; the claims of the first are held
 * up by a row lock on the task claimed before them, which stops its writer of such claims. (Runs
 * that end before their claims are written have them written with their outcomes, by another
 * writer: the tasks here run until their gates open.)
 */
class JoinerCancelTests {

    /** How far ahead the task whose row is locked is due: the lock must come first. */
    private static final Duration LEAD = Duration.ofSeconds(3);

    private final List<ConfigurableApplicationContext> instances = new ArrayList<>();
    private String database;

    @BeforeEach
    void setUp() {
        TestHandlers.reset();
        database = PostgresDatabase.selected() && PostgresDatabase.unavailable().isEmpty()
                ? PostgresDatabase.newSchema()
                // H2 gives up on a row lock after 2 s by default: the held claim must wait instead.
                : "jdbc:h2:mem:joiner-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=60000";
    }

    @AfterEach
    void stopInstances() {
        instances.reversed().forEach(ConfigurableApplicationContext::close);
    }

    @Test
    void aJoinerCancelsATaskStartedAheadOnlyOnceItsClaimIsWritten() throws Exception {
        var first = start(null);
        await().atMost(Duration.ofSeconds(10)).until(first.getBean(Node.class)::alone);
        var tasks = first.getBean(TaskService.class);
        var jdbc = first.getBean(JdbcClient.class);

        var held = tasks.submit(block("held", Instant.now().plus(LEAD)));
        try (var lock = first.getBean(DataSource.class).getConnection()) {
            lockRow(lock, held.id());
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> TestHandlers.started().contains("held"));
            Thread.sleep(200); // its claim's batch under way, and stuck on the lock
            var ahead = tasks.submit(block("ahead", null));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> TestHandlers.started().contains("ahead"));
            assertThat(state(jdbc, ahead.id())).as("its claim not written").isEqualTo("SCHEDULED");

            var joiner = start("elsewhere").getBean(TaskService.class);

            assertThatThrownBy(() -> joiner.cancel(ahead.id(), false))
                    .as("decided while the first still runs it ahead of its claim")
                    .isInstanceOf(NotReadyException.class)
                    .hasMessageContaining("ahead of their claims");
            assertThat(state(jdbc, ahead.id())).as("nothing changed").isEqualTo("SCHEDULED");

            lock.commit();
            TestHandlers.open("held");
            TestHandlers.open("ahead");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> state(jdbc, ahead.id()).equals("SUCCEEDED"));
            assertThatThrownBy(() -> joiner.cancel(ahead.id(), false))
                    .as("decided now: the task has ended")
                    .isInstanceOf(TaskConflictException.class);
            assertThat(joiner.get(ahead.id()).state()).isEqualTo(TaskState.SUCCEEDED);
        }
    }

    /**
     * A run that ends before its claim is written has the claim written with its outcome, by another
     * writer: a joiner waits for that write too, and decides its cancels once it is made. The write
     * is held up here by a row lock on the task.
     */
    @Test
    void aJoinerWaitsForAClaimWrittenWithItsOutcome() throws Exception {
        var first = start(null);
        await().atMost(Duration.ofSeconds(10)).until(first.getBean(Node.class)::alone);
        var tasks = first.getBean(TaskService.class);
        var later = tasks.submit(block("later", Instant.now().plus(Duration.ofHours(1))));

        var quick = tasks.submit(new NewTask(
                "record", "{\"name\": \"quick\"}", null, Instant.now().plus(LEAD), 0, null, null, "default", Map.of()));
        CompletableFuture<Task> cancel;
        try (var lock = first.getBean(DataSource.class).getConnection()) {
            lockRow(lock, quick.id());
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> TestHandlers.started().contains("quick"));
            var joiner = start("elsewhere").getBean(TaskService.class);

            cancel = CompletableFuture.supplyAsync(() -> joiner.cancel(later.id(), false));
            Thread.sleep(2_000); // four heartbeats of the first, which has not written the claim
            assertThat(cancel).as("waits for the first's claim").isNotDone();
            lock.commit();
        }

        assertThat(cancel.get(10, TimeUnit.SECONDS).state()).isEqualTo(TaskState.CANCELLED);
        await().atMost(Duration.ofSeconds(10)).until(() -> tasks.get(quick.id()).state() == TaskState.SUCCEEDED);
    }

    /** An instance on the shared database; on {@code host} rather than this machine's name if given. */
    private ConfigurableApplicationContext start(@Nullable String host) {
        var builder = new SpringApplicationBuilder(TemporaApplication.class, TestHandlers.class);
        if (host != null) {
            // This process's earlier incarnation otherwise: same host name and pid, which a starting
            // instance removes from the node list.
            builder.initializers(context -> context.getBeanFactory().addBeanPostProcessor(new BeanPostProcessor() {
                @Override
                public Object postProcessBeforeInitialization(Object bean, String name) {
                    return bean instanceof Node ? new Node(host) : bean;
                }
            }));
        }
        var context = builder.run(
                "--spring.datasource.url=" + database,
                "--spring.datasource.hikari.maximum-pool-size=4",
                "--server.port=0",
                // Its lease on being alone is two heartbeats. At 0.2 s, one heartbeat held up 0.4 s on
                // a loaded machine ended it, and the task due then waited for its claim, which this
                // test's row lock holds: it never started (a red PostgreSQL pass, 2026-12-08).
                "--tempora.cluster.heartbeat-interval=PT0.5S",
                "--tempora.cluster.node-timeout=PT4S");
        instances.add(context);
        return context;
    }

    /** A task that runs until its gate, named as the task, opens. */
    private static NewTask block(String name, @Nullable Instant runAt) {
        return new NewTask(
                "block",
                "{\"name\": \"" + name + "\", \"gate\": \"" + name + "\"}",
                runAt == null ? Duration.ZERO : null,
                runAt,
                0,
                null,
                null,
                "default",
                Map.of());
    }

    private static void lockRow(Connection connection, TaskId id) throws SQLException {
        connection.setAutoCommit(false);
        try (var select = connection.prepareStatement("select id from task where id = ? for update")) {
            select.setObject(1, id.value());
            select.executeQuery().close();
        }
    }

    private static String state(JdbcClient jdbc, TaskId id) {
        return jdbc.sql("select state from task where id = :id")
                .param("id", id.value())
                .query(String.class)
                .single();
    }
}
