package dev.tempora.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.tempora.Api;
import dev.tempora.TemporaProcess;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several instances as separate processes on one PostgreSQL schema: every task runs once, a
 * killed instance's running tasks (and only those) run again elsewhere, a paused one cannot
 * overwrite the takeover, cancel and long polls work across instances.
 */
@Tag("postgres")
class ClusterTests {

    @TempDir
    Path dir;

    /**
     * Long enough that a live instance starved of CPU on a loaded machine (three JVMs and
     * PostgreSQL) is not presumed dead, which would make its tasks run twice. Only the failover
     * tests wait for an instance to be presumed dead; the others cost nothing for it.
     */
    private static final String NODE_TIMEOUT = "--tempora.cluster.node-timeout=PT10S";

    private static final String FIFTY_MS = "{\"handler\": \"sleep\", \"args\": {\"seconds\": 0.05}}";

    private static final String HUNDRED_MS = "{\"handler\": \"sleep\", \"args\": {\"seconds\": 0.1}}";

    /** For the failover tests, which wait out the timeout: failover in about 3.5 s. */
    private static final String SHORT_NODE_TIMEOUT = "--tempora.cluster.node-timeout=PT3S";

    String database;
    final List<TemporaProcess> nodes = new ArrayList<>();

    @BeforeEach
    void setUp() {
        database = PostgresDatabase.newSchema();
    }

    @AfterEach
    void tearDown() {
        nodes.forEach(TemporaProcess::close);
    }

    private List<TemporaProcess> start(int count, String... extra) throws Exception {
        try (var starting = Executors.newFixedThreadPool(count)) {
            var futures = new ArrayList<java.util.concurrent.Future<TemporaProcess>>();
            for (int i = 0; i < count; i++) {
                var name = "node" + (nodes.size() + i);
                var args = arguments(extra);
                futures.add(starting.submit((Callable<TemporaProcess>) () -> TemporaProcess.start(dir, name, args)));
            }
            var started = new ArrayList<TemporaProcess>();
            for (var future : futures) {
                started.add(future.get());
            }
            nodes.addAll(started);
            return started;
        }
    }

    /** Tasks the first pool of {@code node} has run to their end. */
    private static long completedTasks(TemporaProcess node) {
        return node.api()
                .get("/api/v1/pools")
                .body()
                .get(0)
                .path("completedTasks")
                .asLong();
    }

    /** The command line of an instance: the tests' defaults, and {@code extra}. */
    private String[] arguments(String... extra) {
        var args = new ArrayList<>(List.of(
                "--spring.datasource.url=" + database,
                "--tempora.cluster.heartbeat-interval=PT0.5S",
                "--tempora.pools.default.size=4",
                "--spring.datasource.hikari.maximum-pool-size=6"));
        args.addAll(List.of(extra));
        // Given once: a property given twice on the command line binds as "a,b".
        if (args.stream().noneMatch(arg -> arg.startsWith("--tempora.cluster.node-timeout="))) {
            args.add(NODE_TIMEOUT);
        }
        if (args.stream().noneMatch(arg -> arg.startsWith("--tempora.dispatch.shutdown-grace="))) {
            args.add("--tempora.dispatch.shutdown-grace=PT1S");
        }
        return args.toArray(String[]::new);
    }

    @Test
    void threeInstancesRunFiveThousandTasksEachExactlyOnce() throws Exception {
        var cluster = start(3);
        int total = 5_000; // 10,000 took 73 s of the suite on a slow day, and tested the same
        var submitted = ConcurrentHashMap.<String>newKeySet();
        var next = new AtomicInteger();
        try (var clients = Executors.newFixedThreadPool(6)) {
            for (int c = 0; c < 6; c++) {
                var api = cluster.get(c % 3).api();
                clients.submit(() -> {
                    while (next.getAndIncrement() < total) {
                        submitted.add(api.submit("{\"handler\": \"echo\"}"));
                    }
                    return null;
                });
            }
        }
        assertThat(submitted).hasSize(total);
        awaitCount("select count(*) from task where state = 'SUCCEEDED'", total, Duration.ofMinutes(3));

        var rows = query("select id, state, attempts, owner from task");
        assertThat(rows).hasSize(total);
        var executed = new HashSet<String>();
        var owners = new HashSet<String>();
        for (var row : rows) {
            assertThat(row.get("state")).isEqualTo("SUCCEEDED");
            assertThat(row.get("attempts")).as("started exactly once").isEqualTo("1");
            executed.add(row.get("id"));
            owners.add(row.get("owner"));
        }
        assertThat(executed).isEqualTo(Set.copyOf(submitted));
        assertThat(owners).as("every instance took part").hasSize(3);
    }

    @Test
    void aBurstSubmittedToOneInstanceIsSharedByAll() throws Exception {
        // Past claim-batch tasks in memory, the instance submitted to reserves no more on submit:
        // the rest wait unreserved in the database for every instance's loader.
        var cluster = start(3, "--tempora.dispatch.claim-batch=50");
        int total = 600;
        submitConcurrently(cluster.getFirst().api(), total, 6, FIFTY_MS);
        awaitCount("select count(*) from task where state = 'SUCCEEDED'", total, Duration.ofMinutes(2));

        assertThat(ranByInstance()).as("every instance took part").hasSize(3);
    }

    @Test
    void dueTasksAnInstanceCannotStartSoonAreHandedToTheOthers() throws Exception {
        // Well under claim-batch: every task is reserved on submit by the instance submitted to,
        // whose 4 workers would take 5 s for them while the other's idle. Once its first tasks
        // have run, it keeps what its workers start within two load intervals (here 500 ms: 20
        // tasks) and hands the rest back; before, the other instance ran none of them. Tasks of
        // 100 ms, not 50: submitting takes long enough on a loaded machine that with 50 ms the
        // first instance ran much of the burst as it came in (165 to 35 in one CI run).
        var cluster = start(2, "--tempora.dispatch.load-interval=PT0.25S");
        int total = 200;
        submitConcurrently(cluster.getFirst().api(), total, 4, HUNDRED_MS);
        awaitCount("select count(*) from task where state = 'SUCCEEDED'", total, Duration.ofMinutes(1));

        var ranBy = ranByInstance();
        assertThat(ranBy).as("tasks run by each instance").hasSize(2);
        assertThat(ranBy.values()).allSatisfy(ran -> assertThat(ran).isGreaterThanOrEqualTo(total / 5));
    }

    @Test
    void killNineMakesOnlyTheDeadInstancesRunningTasksRunAgain() throws Exception {
        var cluster = start(3, SHORT_NODE_TIMEOUT);
        var victim = cluster.get(0);
        var victimId = selfId(victim.api());
        for (int i = 0; i < 24; i++) {
            cluster.get(i % 3)
                    .api()
                    .submit("{\"handler\": \"sleep\", \"args\": {\"seconds\": 2, \"result\": \"done\"}}");
        }
        awaitCount(
                "select count(*) from task where state = 'RUNNING' and owner = '" + victimId + "'",
                1,
                Duration.ofSeconds(20));
        victim.kill();
        var killedAt = Instant.now();
        var runningOnVictim = ids("select id from task where state = 'RUNNING' and owner = '" + victimId + "'");
        assertThat(runningOnVictim).isNotEmpty();

        awaitCount("select count(*) from task where state = 'SUCCEEDED'", 24, Duration.ofMinutes(2));
        var rerun = ids("select id from task where attempts > 1");
        assertThat(rerun)
                .as("re-runs are exactly the tasks that were running on the dead instance")
                .isEqualTo(runningOnVictim);
        var failover = Duration.between(
                killedAt,
                Instant.parse(query("select min(started_at) as first from task where attempts > 1")
                        .getFirst()
                        .get("first")
                        .replace(' ', 'T')
                        .replaceFirst("\\+00(:00)?$", "Z")));
        System.out.println(
                "Failover after kill -9 (node timeout 3 s, heartbeat 0.5 s): " + failover.toMillis() + " ms");

        var survivors = cluster.get(1).api().get("/api/v1/nodes").body();
        assertThat(survivors.size()).as("the dead instance left the node list").isEqualTo(2);
        survivors.forEach(node -> assertThat(node.path("id").asString()).isNotEqualTo(victimId));
    }

    /**
     * A graceful stop lets running tasks finish within the shutdown grace, so the instance must stay
     * in the node list until they have: it left at once (Spring stops a bean that depends on the
     * dispatcher before the dispatcher), and another instance then ran its tasks a second time,
     * alongside the first run, and the first run's outcome was thrown away.
     */
    @Test
    void aGracefulStopStaysInTheNodeListUntilItsRunningTasksHaveEnded() throws Exception {
        var cluster = start(2, "--tempora.dispatch.shutdown-grace=PT30S");
        var id = cluster.get(0)
                .api()
                .submit("{\"handler\": \"sleep\", \"args\": {\"seconds\": 6, \"result\": \"once\"}}");
        awaitCount("select count(*) from task where state = 'RUNNING'", 1, Duration.ofSeconds(20));
        var owner = query("select owner from task").getFirst().get("owner");
        var stopping = selfId(cluster.get(0).api()).equals(owner) ? cluster.get(0) : cluster.get(1);
        var other = stopping == cluster.get(0) ? cluster.get(1) : cluster.get(0);
        // Due soon after the stop begins, reserved on submit by the instance stopping: it used to wait
        // for that instance to leave the node list, after the task above, while the other sat idle.
        var waiting = stopping.api().submit("{\"handler\": \"echo\", \"delay\": 1}");
        assertThat(query("select owner from task where id = '" + waiting + "'")
                        .getFirst()
                        .get("owner"))
                .as("reserved on submit")
                .isEqualTo(owner);

        try (var background = Executors.newSingleThreadExecutor()) {
            var stopped = background.submit(() -> stopping.terminate(Duration.ofSeconds(60)));
            Thread.sleep(1500);
            assertThat(ids("select id from tempora_node"))
                    .as("still in the node list while its task runs")
                    .contains(owner);
            assertThat(stopped.get()).as("exit code after SIGTERM").isIn(0, 143);
        }

        var task = other.api().get("/api/v1/tasks/" + id).body();
        assertThat(task.path("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(task.path("attempts").asInt()).as("ran once").isEqualTo(1);
        assertThat(task.path("result").asString()).isEqualTo("once");
        assertThat(ids("select id from tempora_node")).as("left the node list").doesNotContain(owner);
        var handedBack = other.api().get("/api/v1/tasks/" + waiting).body();
        assertThat(handedBack.path("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(handedBack.path("attempts").asInt()).as("ran once").isEqualTo(1);
        assertThat(Instant.parse(handedBack.path("startedAt").asString()))
                .as("run by the other instance while the stopping one's task still ran")
                .isBefore(Instant.parse(task.path("finishedAt").asString()));
    }

    @Test
    void pausedInstanceCannotOverwriteTheOutcomeOfTheTakeover() throws Exception {
        var cluster = start(2, SHORT_NODE_TIMEOUT);
        var paused = cluster.get(0);
        var pausedId = selfId(paused.api());
        var ids = new ArrayList<String>();
        for (int i = 0; i < 4; i++) {
            ids.add(paused.api().submit("{\"handler\": \"sleep\", \"args\": {\"seconds\": 3, \"result\": \"r\"}}"));
        }
        awaitCount(
                "select count(*) from task where state = 'RUNNING' and owner = '" + pausedId + "'",
                1,
                Duration.ofSeconds(20));
        var takenOver = ids("select id from task where state = 'RUNNING' and owner = '" + pausedId + "'");
        paused.signal("STOP");
        try {
            awaitCount("select count(*) from task where state = 'SUCCEEDED'", 4, Duration.ofSeconds(60));
        } finally {
            paused.signal("CONT");
        }
        // The paused instance wakes: its first heartbeat finds it was presumed dead, and its stale runs
        // end and try to record their outcomes, which must be discarded. Rows are read after that.
        await("the paused instance rejoins, its stale runs' outcomes discarded")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> {
                    var log = paused.log();
                    assertThat(log).contains("was presumed dead");
                    for (var id : takenOver) {
                        assertThat(log).containsPattern("Task " + id + " .*discarded");
                    }
                });
        for (var row : query("select id, state, attempts, owner, result from task")) {
            assertThat(row.get("state")).isEqualTo("SUCCEEDED");
            if (takenOver.contains(row.get("id"))) {
                assertThat(row.get("attempts")).isEqualTo("2");
                assertThat(row.get("owner")).as("the takeover's outcome stands").isNotEqualTo(pausedId);
            }
        }
        assertThat(ids).hasSize(4);
    }

    @Test
    void cancelThroughOneInstanceInterruptsTheTaskRunningOnAnother() throws Exception {
        var cluster = start(2);
        var runner = cluster.get(0);
        var id = runner.api().submit("{\"handler\": \"sleep\", \"args\": {\"seconds\": 60}}");
        awaitCount("select count(*) from task where state = 'RUNNING'", 1, Duration.ofSeconds(20));
        // Timed from the answer: an instance that has just joined others first waits out the lease
        // (two heartbeats) on which one of them may still believe itself alone.
        var cancelled = cluster.get(1).api().post("/api/v1/tasks/" + id + "/cancel?mayInterruptIfRunning=true");
        long start = System.nanoTime();
        assertThat(cancelled.status()).isEqualTo(200);
        while (runner.api()
                        .get("/api/v1/pools")
                        .body()
                        .get(0)
                        .path("activeThreads")
                        .asInt()
                > 0) {
            // A watcher poll (250 ms), a query and an interrupt, on a possibly loaded machine; far
            // below the task's 60 s, so an interrupt that never comes still fails.
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
            Thread.sleep(20);
        }
        assertThat(runner.api().get("/api/v1/tasks/" + id).body().path("state").asString())
                .isEqualTo("CANCELLED");
    }

    /**
     * A cancel decided through another instance is not seen by the instance that holds the task in
     * memory. While that instance has company it does not matter: it starts the task only once its
     * claim has committed, and the claim loses to the cancel in the database. But once the others
     * had left, it was alone, started the task ahead of its claim, and ran the handler of a task
     * whose cancel had been answered 200 before it was due.
     */
    @Test
    void aTaskCancelledThroughAnotherInstanceDoesNotRunOnceItsHolderIsAlone() throws Exception {
        var calls = new AtomicInteger();
        var receiver = countingReceiver(calls);
        try {
            // Held in memory from its submission on (look-ahead); and the watcher, which interrupts a run
            // once it sees the task CANCELLED, does not look before the handler's request has gone out.
            var cluster = start(2, "--tempora.dispatch.look-ahead=PT60S", "--tempora.cluster.watch-interval=PT60S");
            var holder = cluster.get(0);
            var other = cluster.get(1);
            var url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/ran";
            var submitted = holder.api()
                    .post(
                            "/api/v1/tasks",
                            "{\"handler\": \"http\", \"args\": {\"url\": \"" + url + "\"}, \"delay\": 15}");
            assertThat(submitted.status()).isEqualTo(201);
            var id = submitted.body().path("id").asString();
            var runAt = Instant.parse(submitted.body().path("runAt").asString());

            var cancelled = other.api().post("/api/v1/tasks/" + id + "/cancel");
            assertThat(cancelled.status()).isEqualTo(200);
            assertThat(cancelled.body().path("startedAt").isNull())
                    .as("cancelled before it started")
                    .isTrue();

            assertThat(other.terminate(Duration.ofSeconds(60)))
                    .as("exit code after SIGTERM")
                    .isIn(0, 143);
            await("the holder is alone in the node list")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> holder.api().get("/api/v1/nodes").body().size() == 1);
            Assumptions.assumeTrue(
                    Instant.now().plusSeconds(2).isBefore(runAt), "the holder was alone only after the task was due");

            await("the holder's worker has taken the task")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> completedTasks(holder) >= 1);
            assertThat(calls).as("requests of the cancelled task's handler").hasValue(0);
            assertThat(holder.api()
                            .get("/api/v1/tasks/" + id)
                            .body()
                            .path("state")
                            .asString())
                    .isEqualTo("CANCELLED");
        } finally {
            receiver.stop(0);
        }
    }

    /**
     * The web server listens before the instance joins the node list (Spring starts it in an earlier
     * phase). A cancel answered in between was decided at once, not after the leases of the others:
     * an instance alone, which could not know of it, ran the task it held although its cancel had
     * been answered 200 before it was due. The join is held up here in the database, as a slow
     * insert would hold it up.
     */
    @Test
    void aStartingInstanceDecidesNoCancelBeforeItHasJoinedTheNodeList() throws Exception {
        var calls = new AtomicInteger();
        var receiver = countingReceiver(calls);
        try {
            var alone = start(1, "--tempora.cluster.watch-interval=PT60S").getFirst();
            // The first insert only: the row it writes is older than a node timeout when it commits,
            // so it is removed as dead at once (by the joining instance itself), and the instance
            // rejoins. Held up each time, it would never be sure it is listed, and rightly decide no
            // cancel at all.
            execute("create sequence tempora_test_slow_join_count");
            execute("create function tempora_test_slow_join() returns trigger language plpgsql as"
                    + " $$ begin if nextval('tempora_test_slow_join_count') = 1 then perform pg_sleep(10); end if;"
                    + " return new; end $$");
            execute("create trigger tempora_test_slow_join before insert on tempora_node"
                    + " for each row execute function tempora_test_slow_join()");
            // The join is held up for 10 s: longer than the joining instance's node timeout, the
            // longest a request waits for it.
            var joining = TemporaProcess.startListening(
                    dir, "joining", arguments("--tempora.cluster.watch-interval=PT60S", SHORT_NODE_TIMEOUT));
            nodes.add(joining);

            var url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/ran";
            var id = alone.api().submit("{\"handler\": \"http\", \"args\": {\"url\": \"" + url + "\"}, \"delay\": 2}");
            var cancel = "/api/v1/tasks/" + id + "/cancel";
            var notReady = joining.api().post(cancel);
            assertThat(notReady.status()).as(notReady.text()).isEqualTo(503);
            assertThat(notReady.body().path("type").asString()).isEqualTo("urn:tempora:problem:not-ready");
            assertThat(notReady.header("Retry-After")).isEqualTo("5");
            var cancelled = await("the joining instance has joined and decided the cancel")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> joining.api().post(cancel), answer -> answer.status() != 503);

            await("the worker of the instance alone has taken the task")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> completedTasks(alone) >= 1);
            if (cancelled.status() == 200) {
                assertThat(calls)
                        .as("requests of the handler of a task cancelled before it started")
                        .hasValue(0);
            } else {
                // Decided once the joining instance had joined: after the run, which the cancel then found ended.
                assertThat(cancelled.status()).isEqualTo(409);
                assertThat(calls).hasValue(1);
            }
        } finally {
            receiver.stop(0);
        }
    }

    /** A server on loopback that counts the requests to {@code /ran}. */
    private static HttpServer countingReceiver(AtomicInteger calls) throws java.io.IOException {
        var receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/ran", exchange -> {
            calls.incrementAndGet();
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        receiver.start();
        return receiver;
    }

    @Test
    void longPollOnOneInstanceSeesACompletionOnAnother() throws Exception {
        var cluster = start(2);
        var id = cluster.get(0).api().submit("{\"handler\": \"sleep\", \"args\": {\"seconds\": 1, \"result\": 1}}");
        long start = System.nanoTime();
        var done =
                cluster.get(1).api().get("/api/v1/tasks/" + id + "?wait=PT20S").body();
        assertThat(done.path("state").asString()).isEqualTo("SUCCEEDED");
        // A poll that is never woken is answered when its wait runs out, after 20 s, with the task
        // read again (SUCCEEDED by then): only the time tells the two apart.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
    }

    private static String selfId(Api api) {
        for (var node : api.get("/api/v1/nodes").body()) {
            if (node.path("self").asBoolean()) {
                return node.path("id").asString();
            }
        }
        throw new AssertionError("no node says it is itself");
    }

    /** Submits {@code total} tasks of {@code body} to {@code api} from {@code clients} threads at once. */
    private static void submitConcurrently(Api api, int total, int clients, String body) {
        var next = new AtomicInteger();
        try (var threads = Executors.newFixedThreadPool(clients)) {
            for (int c = 0; c < clients; c++) {
                threads.submit(() -> {
                    while (next.getAndIncrement() < total) {
                        api.submit(body);
                    }
                    return null;
                });
            }
        }
    }

    /** How many tasks each instance ran, by its id; every task must have started exactly once. */
    private Map<String, Integer> ranByInstance() throws Exception {
        var ranBy = new HashMap<String, Integer>();
        for (var row : query("select owner, attempts from task")) {
            assertThat(row.get("attempts")).as("started exactly once").isEqualTo("1");
            ranBy.merge(row.get("owner"), 1, Integer::sum);
        }
        return ranBy;
    }

    private void awaitCount(String sql, long atLeast, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long count = Long.parseLong(
                    query(sql.replace("count(*)", "count(*) as n")).getFirst().get("n"));
            if (count >= atLeast) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(sql + " reached only " + count + " of " + atLeast);
            }
            Thread.sleep(100);
        }
    }

    private Set<String> ids(String sql) throws Exception {
        var ids = new HashSet<String>();
        query(sql).forEach(row -> ids.add(row.get("id")));
        return ids;
    }

    private void execute(String sql) throws Exception {
        try (var connection = DriverManager.getConnection(database);
                var statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private List<Map<String, String>> query(String sql) throws Exception {
        try (var connection = DriverManager.getConnection(database);
                var statement = connection.createStatement();
                var rows = statement.executeQuery(sql)) {
            var result = new ArrayList<Map<String, String>>();
            var meta = rows.getMetaData();
            while (rows.next()) {
                var row = new java.util.HashMap<String, String>();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    row.put(meta.getColumnLabel(i), rows.getString(i));
                }
                result.add(row);
            }
            return result;
        }
    }
}
