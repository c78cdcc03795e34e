package dev.tempora;

import static org.assertj.core.api.Assertions.assertThat;

import com.standardwebhooks.Webhook;
import dev.tempora.postgres.PostgresDatabase;
import dev.tempora.support.Timestamps;
import java.net.InetAddress;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The upgrade path: a database last written by an earlier Tempora, whose schema stopped at Flyway
 * version 3 (the first with the node list), killed with work in every state, is taken over by this
 * version, which applies every later migration to those rows as it starts. Nothing may be lost or
 * changed: what had ended reads back as stored, what was due runs, what was running runs again
 * (README, "Crash and restart"), a webhook attempt the dead instance had in flight is recorded as
 * stopped and sent again under its delivery's id, signed with the secret that instance stored, and
 * the dead instance leaves the node list. The rows are written with plain JDBC and only the columns
 * of V1..V3, as that version wrote them; Tempora runs as a process, as an operator upgrades it. On
 * the H2 file of a temporary directory in the H2 run, on a schema of its own in the PostgreSQL run.
 */
class UpgradeTests {

    /** The schema the earlier version left: V3 added the node list; V4 and later came after it. */
    private static final String OLD_SCHEMA = "3";

    /** The signing secret the earlier version generated and stored in {@code tempora_setting}. */
    private static final String STORED_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    /**
     * The dead instance, named as that version named itself ({@code host-pid-random}), on another
     * host: it is taken for dead only by its old heartbeat, not as an earlier incarnation of this one.
     */
    private static final String DEAD_NODE = "old-host-4242-5f0e1d2c";

    /** The lease the dead instance took on its delivery's second attempt (node id, "/", a counter). */
    private static final String DEAD_LEASE = DEAD_NODE + "/7";

    /** What an instance of this version reckons a lease taken without {@code leased_at} lasted: the default timeout + 30 s. */
    private static final Duration LEASE_LENGTH = Duration.ofSeconds(40);

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    /** The test's now, to the microsecond as stored: the earlier version's rows are dated from it. */
    private final Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);

    private final Instant succeededCreated = now.minus(Duration.ofMinutes(60));
    private final Instant succeededStarted = succeededCreated.plusMillis(3);
    private final Instant succeededFinished = succeededStarted.plusMillis(12);
    private final Instant firstAttemptAt = succeededFinished.plusMillis(4);
    private final Instant secondAttemptDue = firstAttemptAt.plusSeconds(5);
    /** When the dead instance leased (and sent) the second attempt: the lease tells only its end. */
    private final Instant secondAttemptLeased = secondAttemptDue.plusMillis(2);

    private final Instant cancelledCreated = now.minus(Duration.ofMinutes(50));
    private final Instant cancelledRunAt = now.plus(Duration.ofMinutes(10));
    private final Instant cancelledAt = now.minus(Duration.ofMinutes(45));

    private final Instant runningCreated = now.minus(Duration.ofMinutes(5));
    private final Instant runningStarted = runningCreated.plusMillis(2);

    private final Instant dueCreated = now.minus(Duration.ofMinutes(2));
    private final Instant dueRunAt = dueCreated.plusSeconds(30);

    private final Instant futureCreated = now.minus(Duration.ofMinutes(1));
    /** A day ahead, with every microsecond digit set: it must come back to the microsecond. */
    private final Instant futureRunAt =
            now.plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.SECONDS).plusNanos(123_456_000);

    private final UUID succeeded = uuidV7(succeededCreated);
    private final UUID cancelled = uuidV7(cancelledCreated);
    private final UUID running = uuidV7(runningCreated);
    private final UUID due = uuidV7(dueCreated);
    private final UUID future = uuidV7(futureCreated);
    private final UUID delivery = uuidV7(succeededFinished);

    private static final String RESULT = "{\"total\": 12.5, \"lines\": [\"a\", \"\\u00fc\"], \"none\": null}";

    @Test
    void aDatabaseOfSchemaVersion3IsTakenOverWithNothingLost() throws Exception {
        boolean postgres =
                PostgresDatabase.selected() && PostgresDatabase.unavailable().isEmpty();
        // Both as the process will open them: H2's file through its retry: file system, as the default.
        var jdbcUrl = postgres ? PostgresDatabase.newSchema() : "jdbc:h2:file:" + dir.resolve("data/tempora");
        var temporaUrl =
                postgres ? jdbcUrl : "jdbc:h2:retry:" + dir.resolve("data/tempora") + ";DB_CLOSE_ON_EXIT=FALSE";

        var migrated = flyway(jdbcUrl).target(OLD_SCHEMA).load().migrate();
        assertThat(migrated.targetSchemaVersion).isEqualTo(OLD_SCHEMA);

        try (var receiver = new MockWebServer()) {
            receiver.start(InetAddress.getLoopbackAddress(), 0);
            receiver.enqueue(new MockResponse.Builder().code(200).build());
            receiver.enqueue(new MockResponse.Builder().code(200).build());
            var oldHook = receiver.url("/old").toString();
            var dueHook = receiver.url("/due").toString();
            var payload = storedPayload(oldHook);
            try (var connection = DriverManager.getConnection(jdbcUrl)) {
                writeWhatTheEarlierVersionLeft(connection, oldHook, dueHook, payload);
            } // on H2, the last connection closed closes the file, for the process to open

            try (var tempora = TemporaProcess.start(
                    dir,
                    "upgraded",
                    "--spring.datasource.url=" + temporaUrl,
                    "--spring.datasource.hikari.maximum-pool-size=6",
                    "--tempora.dispatch.shutdown-grace=PT1S")) {
                var api = tempora.api();
                // The dead instance's last heartbeat is a minute old, past this version's node timeout
                // (that version recorded none): removed at the start, its running task named, and its
                // reservation of the due task counting as none.
                assertThat(tempora.log())
                        .contains("(silent past their node timeouts: " + DEAD_NODE + ")")
                        .contains("1 tasks they were running will run again (attempts tells): " + running)
                        .doesNotContain("Generated the webhook signing secret");
                var nodes = api.get("/api/v1/nodes").body();
                assertThat(nodes.size()).as(nodes.toString()).isEqualTo(1);
                assertThat(nodes.get(0).path("id").asString()).isNotEqualTo(DEAD_NODE);
                assertThat(nodes.get(0).path("self").asBoolean()).isTrue();

                // Two webhooks: the due task's new event, and the delivery the dead instance left
                // pending, sent again under its own id and exactly as stored.
                var requests = new HashMap<String, RecordedRequest>();
                for (int i = 0; i < 2; i++) {
                    var request = receiver.takeRequest(WAIT.toSeconds(), TimeUnit.SECONDS);
                    assertThat(request).as("webhook %d of 2", i + 1).isNotNull();
                    new Webhook(STORED_SECRET)
                            .verify(
                                    request.getBody().utf8(),
                                    request.getHeaders().toMultimap());
                    requests.put(request.getUrl().encodedPath(), request);
                }
                var resent = requests.get("/old");
                assertThat(resent).as("the pending delivery sent again").isNotNull();
                assertThat(resent.getHeaders().get("webhook-id")).isEqualTo(delivery.toString());
                assertThat(resent.getBody().utf8()).isEqualTo(payload);
                var dueEvent = requests.get("/due");
                assertThat(dueEvent).as("the due task's webhook").isNotNull();
                var dueBody = Api.json(dueEvent.getBody().utf8());
                assertThat(dueBody.path("type").asString()).isEqualTo("task.succeeded");
                assertThat(dueBody.path("data").path("id").asString()).isEqualTo(due.toString());

                var dueTask = api.await(due.toString(), WAIT);
                assertThat(dueTask.path("state").asString())
                        .as(dueTask.toString())
                        .isEqualTo("SUCCEEDED");
                assertThat(dueTask.path("attempts").asInt()).isEqualTo(1);
                assertThat(dueTask.path("result")).isEqualTo(Api.json("{\"n\": 1}"));
                assertThat(dueTask.path("priority").asInt()).isEqualTo(-1);
                assertThat(dueTask.path("runAt").asString()).isEqualTo(Timestamps.format(dueRunAt));
                var dueDeliveries = deliveries(api, due);
                assertThat(dueDeliveries.size()).as(dueDeliveries.toString()).isEqualTo(1);
                assertThat(dueDeliveries.get(0).path("attempts").size()).isEqualTo(1);

                // Running when its instance died: it runs again, and attempts tells.
                var rerun = api.await(running.toString(), WAIT);
                assertThat(rerun.path("state").asString()).as(rerun.toString()).isEqualTo("SUCCEEDED");
                assertThat(rerun.path("attempts").asInt()).as("ran again").isEqualTo(2);
                assertThat(rerun.path("result").asString()).isEqualTo("again");
                assertThat(Instant.parse(rerun.path("startedAt").asString())).isAfter(now);

                assertSucceededReadsBackAsStored(api, oldHook);
                assertCancelledReadsBackAsStored(api);
                var futureTask = api.get("/api/v1/tasks/" + future).body();
                assertThat(futureTask.path("state").asString()).isEqualTo("SCHEDULED");
                assertThat(futureTask.path("runAt").asString()).isEqualTo(Timestamps.format(futureRunAt));
                assertThat(futureTask.path("priority").asInt()).isEqualTo(7);
                assertThat(futureTask.path("attempts").asInt()).isZero();
                assertThat(futureTask.path("labels")).isEqualTo(Api.json("{\"team\": \"billing\"}"));
                assertThat(ids(api.get("/api/v1/queue").body())).containsExactly(future);

                // Found through the listing's indexes of V1, newest first.
                assertThat(list(api, "state=SUCCEEDED")).containsExactly(due, running, succeeded);
                assertThat(list(api, "state=SCHEDULED")).containsExactly(future);
                assertThat(list(api, "state=CANCELLED")).containsExactly(cancelled);
                assertThat(list(api, "handler=echo")).containsExactly(future, due, running, succeeded);
                assertThat(list(api, "handler=sleep")).containsExactly(cancelled);
                assertThat(list(api, "label=team:billing")).containsExactly(future, succeeded);
                assertThat(list(api, "label=region:eu-west")).containsExactly(succeeded);

                assertResentDeliveryListsEveryAttempt(api, oldHook);
                assertThat(tempora.terminate(WAIT)).isIn(0, 143);
            }
        }
        var info = flyway(jdbcUrl).load().info();
        assertThat(info.pending()).as("every later migration applied").isEmpty();
        assertThat(info.current().getVersion()).isGreaterThan(MigrationVersion.fromVersion(OLD_SCHEMA));
    }

    /** Ended an hour ago, before the upgrade: every field as the earlier version stored it. */
    private void assertSucceededReadsBackAsStored(Api api, String oldHook) {
        var task = api.get("/api/v1/tasks/" + succeeded).body();
        assertThat(task.path("handler").asString()).isEqualTo("echo");
        assertThat(task.path("args")).isEqualTo(Api.json(RESULT));
        assertThat(task.path("priority").asInt()).isZero();
        assertThat(task.path("runAt").asString()).isEqualTo(Timestamps.format(succeededCreated));
        assertThat(task.path("createdAt").asString()).isEqualTo(Timestamps.format(succeededCreated));
        assertThat(task.path("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(task.path("running").asBoolean()).isFalse();
        assertThat(task.path("done").asBoolean()).isTrue();
        assertThat(task.path("cancelled").asBoolean()).isFalse();
        assertThat(task.path("result")).isEqualTo(Api.json(RESULT));
        assertThat(task.path("exception").isNull()).isTrue();
        assertThat(task.path("startedAt").asString()).isEqualTo(Timestamps.format(succeededStarted));
        assertThat(task.path("finishedAt").asString()).isEqualTo(Timestamps.format(succeededFinished));
        assertThat(task.path("attempts").asInt()).isEqualTo(1);
        assertThat(task.path("timeout").asString()).isEqualTo("PT30S");
        assertThat(task.path("callbackUrl").asString()).isEqualTo(oldHook);
        // Stored as null by that version, which knew no other: the three terminal events.
        assertThat(task.path("callbackEvents"))
                .isEqualTo(Api.json("[\"task.cancelled\", \"task.failed\", \"task.succeeded\"]"));
        assertThat(task.path("pool").asString()).isEqualTo("default");
        assertThat(task.path("labels")).isEqualTo(Api.json("{\"region\": \"eu-west\", \"team\": \"billing\"}"));
        var result = api.get("/api/v1/tasks/" + succeeded + "/result");
        assertThat(result.status()).isEqualTo(200);
        assertThat(result.body()).isEqualTo(Api.json(RESULT));
    }

    private void assertCancelledReadsBackAsStored(Api api) {
        var task = api.get("/api/v1/tasks/" + cancelled).body();
        assertThat(task.path("state").asString()).isEqualTo("CANCELLED");
        assertThat(task.path("cancelled").asBoolean()).isTrue();
        assertThat(task.path("done").asBoolean()).isTrue();
        assertThat(task.path("handler").asString()).isEqualTo("sleep");
        assertThat(task.path("args")).isEqualTo(Api.json("{\"seconds\": 5}"));
        assertThat(task.path("priority").asInt()).isEqualTo(3);
        assertThat(task.path("runAt").asString()).isEqualTo(Timestamps.format(cancelledRunAt));
        assertThat(task.path("createdAt").asString()).isEqualTo(Timestamps.format(cancelledCreated));
        assertThat(task.path("finishedAt").asString()).isEqualTo(Timestamps.format(cancelledAt));
        assertThat(task.path("startedAt").isNull()).isTrue();
        assertThat(task.path("attempts").asInt()).isZero();
        assertThat(task.path("labels")).isEqualTo(Api.json("{}"));
        assertThat(api.get("/api/v1/tasks/" + cancelled + "/result").status()).isEqualTo(409);
    }

    /**
     * Attempt 1 failed (500) under the earlier version; attempt 2 was in flight on it (its lease had
     * counted it) when it died. That one is recorded as stopped, at its lease's end less this
     * version's lease length (it has no {@code leased_at}: V6 came later), and attempt 3 is the one
     * the receiver answered.
     */
    private void assertResentDeliveryListsEveryAttempt(Api api, String oldHook) {
        var listed = api.awaitFirstDeliverySucceeded(succeeded.toString(), WAIT);
        assertThat(listed.size()).as(listed.toString()).isEqualTo(1);
        var resent = listed.get(0);
        assertThat(resent.path("state").asString()).as(resent.toString()).isEqualTo("SUCCEEDED");
        assertThat(resent.path("id").asString()).isEqualTo(delivery.toString());
        assertThat(resent.path("type").asString()).isEqualTo("task.succeeded");
        assertThat(resent.path("url").asString()).isEqualTo(oldHook);
        assertThat(resent.path("createdAt").asString()).isEqualTo(Timestamps.format(succeededFinished));
        var attempts = resent.path("attempts");
        assertThat(attempts.size()).as(resent.toString()).isEqualTo(3);
        var failed = attempts.get(0);
        assertThat(failed.path("attempt").asInt()).isEqualTo(1);
        assertThat(failed.path("at").asString()).isEqualTo(Timestamps.format(firstAttemptAt));
        assertThat(failed.path("statusCode").asInt()).isEqualTo(500);
        assertThat(failed.path("error").asString()).isEqualTo("HTTP 500");
        assertThat(failed.path("durationMs").asLong()).isEqualTo(15);
        assertThat(failed.path("responseBody").asString()).isEqualTo("upstream down");
        var stopped = attempts.get(1);
        assertThat(stopped.path("attempt").asInt()).isEqualTo(2);
        assertThat(stopped.path("at").asString()).isEqualTo(Timestamps.format(secondAttemptLeased));
        assertThat(stopped.path("statusCode").isNull()).as(stopped.toString()).isTrue();
        assertThat(stopped.path("error").asString()).contains("stopped");
        var delivered = attempts.get(2);
        assertThat(delivered.path("attempt").asInt()).isEqualTo(3);
        assertThat(delivered.path("statusCode").asInt()).isEqualTo(200);
        assertThat(Instant.parse(delivered.path("at").asString())).isAfter(now);
    }

    /**
     * The rows an instance of the earlier version leaves when killed, in V1..V3's columns only: its
     * node row and the secret it generated, a task it ended an hour ago (with labels, and a delivery
     * whose second attempt it had in flight), a cancelled one, one it was running, one due that its
     * loader had reserved, and one due tomorrow.
     */
    private void writeWhatTheEarlierVersionLeft(Connection db, String oldHook, String dueHook, String payload)
            throws SQLException {
        db.setAutoCommit(false);
        new Row("tempora_node")
                .set("id", DEAD_NODE)
                .set("host", "old-host")
                .set("pid", 4242L)
                .set("started_at", now.minus(Duration.ofHours(2)))
                .set("heartbeat_at", now.minus(Duration.ofMinutes(1)))
                .insertInto(db);
        new Row("tempora_setting")
                .set("name", "webhook.secret")
                .set("setting_value", STORED_SECRET)
                .insertInto(db);
        new Row("task")
                .set("id", succeeded)
                .set("handler", "echo")
                .set("args", RESULT)
                .set("priority", 0)
                .set("run_at", succeededCreated)
                .set("created_at", succeededCreated)
                .set("state", "SUCCEEDED")
                .set("attempts", 1)
                .set("started_at", succeededStarted)
                .set("finished_at", succeededFinished)
                .set("result", RESULT)
                .set("timeout_ms", 30_000L)
                .set("callback_url", oldHook)
                .set("pool", "default")
                .set("owner", DEAD_NODE) // that version left the owner on a task it ended
                .insertInto(db);
        new Row("task")
                .set("id", cancelled)
                .set("handler", "sleep")
                .set("args", "{\"seconds\": 5}")
                .set("priority", 3)
                .set("run_at", cancelledRunAt)
                .set("created_at", cancelledCreated)
                .set("state", "CANCELLED")
                .set("attempts", 0)
                .set("finished_at", cancelledAt)
                .set("pool", "default")
                .insertInto(db);
        new Row("task")
                .set("id", running)
                .set("handler", "echo")
                .set("args", "\"again\"")
                .set("priority", 0)
                .set("run_at", runningCreated)
                .set("created_at", runningCreated)
                .set("state", "RUNNING")
                .set("attempts", 1)
                .set("started_at", runningStarted)
                .set("pool", "default")
                .set("owner", DEAD_NODE)
                .insertInto(db);
        new Row("task")
                .set("id", due)
                .set("handler", "echo")
                .set("args", "{\"n\": 1}")
                .set("priority", -1)
                .set("run_at", dueRunAt)
                .set("created_at", dueCreated)
                .set("state", "SCHEDULED")
                .set("attempts", 0)
                .set("callback_url", dueHook)
                .set("pool", "default")
                .set("owner", DEAD_NODE) // reserved by its loader
                .insertInto(db);
        new Row("task")
                .set("id", future)
                .set("handler", "echo")
                .set("priority", 7)
                .set("run_at", futureRunAt)
                .set("created_at", futureCreated)
                .set("state", "SCHEDULED")
                .set("attempts", 0)
                .set("pool", "default")
                .insertInto(db);
        new Row("task_label")
                .set("task_id", succeeded)
                .set("label_key", "team")
                .set("label_value", "billing")
                .insertInto(db);
        new Row("task_label")
                .set("task_id", succeeded)
                .set("label_key", "region")
                .set("label_value", "eu-west")
                .insertInto(db);
        new Row("task_label")
                .set("task_id", future)
                .set("label_key", "team")
                .set("label_value", "billing")
                .insertInto(db);
        new Row("webhook_delivery")
                .set("id", delivery)
                .set("task_id", succeeded)
                .set("event_type", "task.succeeded")
                .set("url", oldHook)
                .set("payload", payload)
                .set("state", "PENDING")
                .set("attempts", 2) // its lease counted the attempt in flight
                .set("created_at", succeededFinished)
                .set("next_attempt_at", secondAttemptDue)
                .set("lease_owner", DEAD_LEASE)
                .set("lease_until", secondAttemptLeased.plus(LEASE_LENGTH))
                .insertInto(db);
        new Row("webhook_attempt")
                .set("delivery_id", delivery)
                .set("attempt", 1)
                .set("attempted_at", firstAttemptAt)
                .set("status_code", 500)
                .set("error", "HTTP 500") // as that version recorded a non-2xx
                .set("duration_ms", 15L)
                .set("response_body", "upstream down")
                .insertInto(db);
        db.commit();
    }

    /** The event as the earlier version wrote it when the task ended: the task as it read then. */
    private String storedPayload(String oldHook) {
        return ("{\"type\":\"task.succeeded\",\"timestamp\":\"%s\",\"data\":{\"id\":\"%s\",\"handler\":\"echo\","
                        + "\"args\":%s,\"priority\":0,\"runAt\":\"%s\",\"createdAt\":\"%s\",\"state\":\"SUCCEEDED\","
                        + "\"running\":false,\"done\":true,\"cancelled\":false,\"result\":%s,\"exception\":null,"
                        + "\"startedAt\":\"%s\",\"finishedAt\":\"%s\",\"attempts\":1,\"timeout\":\"PT30S\","
                        + "\"callbackUrl\":\"%s\",\"pool\":\"default\",\"labels\":{\"region\":\"eu-west\","
                        + "\"team\":\"billing\"}}}")
                .formatted(
                        Timestamps.format(succeededFinished),
                        succeeded,
                        RESULT,
                        Timestamps.format(succeededCreated),
                        Timestamps.format(succeededCreated),
                        RESULT,
                        Timestamps.format(succeededStarted),
                        Timestamps.format(succeededFinished),
                        oldHook);
    }

    /** A row to insert, its columns named as in the migrations. */
    private static final class Row {

        private final String table;
        private final Map<String, Object> values = new LinkedHashMap<>();

        Row(String table) {
            this.table = table;
        }

        Row set(String column, Object value) {
            values.put(column, value instanceof Instant instant ? Timestamps.utc(instant) : value);
            return this;
        }

        void insertInto(Connection db) throws SQLException {
            var sql = "insert into %s (%s) values (%s)"
                    .formatted(
                            table,
                            String.join(", ", values.keySet()),
                            String.join(", ", Collections.nCopies(values.size(), "?")));
            try (var statement = db.prepareStatement(sql)) {
                int index = 0;
                for (var value : values.values()) {
                    statement.setObject(++index, value);
                }
                statement.executeUpdate();
            }
        }
    }

    /** The project's migrations, as the application finds them, on {@code url}. */
    private static org.flywaydb.core.api.configuration.FluentConfiguration flyway(String url) {
        return Flyway.configure().dataSource(url, null, null).locations("classpath:db/migration");
    }

    private static JsonNode deliveries(Api api, UUID task) {
        return api.get("/api/v1/tasks/" + task + "/deliveries").body();
    }

    private static List<UUID> list(Api api, String query) {
        var page = api.get("/api/v1/tasks?" + query);
        assertThat(page.status()).as(page.text()).isEqualTo(200);
        return ids(page.body());
    }

    private static List<UUID> ids(JsonNode page) {
        return page.path("items")
                .valueStream()
                .map(task -> UUID.fromString(task.path("id").asString()))
                .toList();
    }

    /**
     * A UUIDv7 of {@code at}'s millisecond, laid out as {@code TaskId} lays them out: its {@code next}
     * never goes back before the ids it issued in this JVM, so it cannot date a row an hour ago.
     */
    private static UUID uuidV7(Instant at) {
        var random = ThreadLocalRandom.current();
        long msb = (at.toEpochMilli() << 16) | 0x7000L | random.nextInt(0x1000);
        long lsb = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb);
    }
}
