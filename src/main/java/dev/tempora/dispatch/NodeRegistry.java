package dev.tempora.dispatch;

import dev.tempora.support.DatabaseErrors;
import dev.tempora.support.RepeatingJob;
import dev.tempora.support.Timestamps;
import dev.tempora.task.TaskId;
import dev.tempora.task.TaskTransitions;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Membership: this instance's row in {@code tempora_node}, renewed every heartbeat; and failover:
 * every heartbeat, rows older than the node timeout (by the database's clock, so clock skew
 * between instances cannot cause a false takeover) are removed and their tasks taken over.
 * Starts before the dispatcher and stops after it: the dispatcher depends on it, never the other
 * way round, since Spring stops a bean's dependents before the bean. (When this depended on the
 * dispatcher, a graceful stop left the node list at once, and another instance ran the tasks still
 * finishing here a second time.)
 */
@Component
class NodeRegistry implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(NodeRegistry.class);

    /** Every this many heartbeats, orphans are looked for even if no node was found dead. */
    private static final int FULL_CHECK_EVERY = 15;

    /** How many of the tasks taken over from dead nodes the log names. */
    private static final int TAKEN_OVER_NAMED = 10;

    /** How often, at most, cancels look in the database whether the others have settled. */
    private static final Duration SETTLED_LOOK = Duration.ofMillis(50);

    /**
     * The longest such a look waits for the database, in seconds: it runs on a request's thread,
     * under a lock other cancels wait for, and a cancel must not wait far past its own limit.
     */
    private static final int SETTLED_LOOK_TIMEOUT = 1;

    /**
     * The longest a heartbeat that has just found others waits for the claims of tasks this instance
     * started ahead of them, to report them written at once rather than at the next heartbeat (never
     * longer than a heartbeat interval).
     */
    private static final Duration AHEAD_CLAIMS_WAIT = Duration.ofMillis(500);

    /** The most tries of one heartbeat's write on broken connections ({@link #writeHeartbeat}). */
    private static final int HEARTBEAT_WRITES = 5;

    private final JdbcClient jdbc;
    private final Node node;
    private final ClusterProperties properties;
    private final TaskTransitions transitions;
    private final TaskTracker tracker;
    private final Clock clock;
    private final RepeatingJob heartbeat = new RepeatingJob("tempora-heartbeat");
    private int beats;
    private boolean startedBefore;

    /** Told when tasks were freed for any instance to load: the dispatcher's loader. */
    private volatile Runnable whenTasksFreed = () -> {};

    NodeRegistry(
            JdbcClient jdbc,
            Node node,
            ClusterProperties properties,
            TaskTransitions transitions,
            TaskTracker tracker,
            Clock clock) {
        this.jdbc = jdbc;
        this.node = node;
        this.properties = properties;
        this.transitions = transitions;
        this.tracker = tracker;
        this.clock = clock;
    }

    @Override
    public synchronized void start() {
        if (startedBefore) {
            // Started again in this process (a context stopped and started, a checkpoint restored):
            // a new incarnation. Under the old id, the tasks it had reserved but not started when it
            // stopped would count as its own again, held by nobody; under a new one they are free.
            node.renew();
        }
        startedBefore = true;
        long lookedAt = System.nanoTime();
        register();
        long joinedAt = System.nanoTime();
        recover(forgetEarlierIncarnationsOfThisHost(), true);
        var others = othersAtJoin(0);
        node.joined(joinedAt, lease(), new OthersSettled(others, joinedAt + lease().toNanos()));
        node.listed(lookedAt, properties.nodeTimeout());
        foundAlone(others.isEmpty(), lookedAt);
        heartbeat.start(properties.heartbeatInterval(), this::beat);
    }

    void whenTasksFreed(Runnable action) {
        whenTasksFreed = action;
    }

    @Override
    public synchronized void stop() {
        heartbeat.stop();
        // The web server still answers until a later phase: a cancel decided here after this
        // instance has left could miss another that then finds itself alone and starts its tasks
        // ahead of their claims.
        node.leave(properties.nodeTimeout());
        try {
            // The dispatcher has stopped (it stops first): nothing of ours runs any more.
            jdbc.sql("delete from tempora_node where id = :id")
                    .param("id", node.id())
                    .update();
        } catch (RuntimeException databaseTrouble) {
            log.warn("Could not leave the node list: {}", databaseTrouble.toString());
        }
    }

    @Override
    public boolean isRunning() {
        return heartbeat.isRunning();
    }

    /** Before the dispatcher starts and after it stops. */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 100;
    }

    private void register() {
        jdbc.sql("insert into tempora_node (id, host, pid, process_space, started_at, heartbeat_at, beats,"
                        + " starts_ahead, node_timeout_ms) values (:id, :host, :pid, :space, :now, current_timestamp, 0,"
                        + " :ahead, :timeout)")
                .param("id", node.id())
                .param("host", node.host())
                .param("pid", node.pid())
                .param("space", node.processSpace())
                .param("now", Timestamps.utc(clock.instant()))
                // Whatever it is now: it may find itself alone before its first heartbeat reports.
                .param("ahead", true)
                .param("timeout", properties.nodeTimeout().toMillis())
                .update();
        log.info("Node {} joined", node.id());
    }

    private void beat() {
        long lookedAt = System.nanoTime();
        try {
            // Before the write that reports it, as every report is: see OthersSettled.
            boolean ahead = startsAhead();
            int renewed = writeHeartbeat(ahead, lookedAt);
            if (renewed == 0) {
                var old = node.id();
                // First: until the new id's row is written, nothing is reserved or claimed under either.
                node.unlisted();
                node.renew();
                log.warn(
                        "Node {} was presumed dead (paused, or unable to write its heartbeat, for longer than"
                                + " tempora.cluster.node-timeout): its tasks were taken over; rejoining as {}",
                        old,
                        node.id());
                if (!rejoin()) {
                    return;
                }
            }
            node.listed(lookedAt, properties.nodeTimeout());
            recover(0, ++beats % FULL_CHECK_EVERY == 0);
            renewLease(lookedAt);
            if (ahead) {
                reportSettledIfSo();
            }
        } catch (RuntimeException databaseTrouble) {
            log.warn("Heartbeat failed: {}", databaseTrouble.toString());
        }
    }

    /**
     * Writes this heartbeat, again at once on another connection if the one the pool handed out
     * was broken (its session ended since it was last used: an administrator's sweep, a proxy
     * recycling connections). Each failure closes one such connection; without another try, every
     * heartbeat of a burst of ended sessions failed, and an instance whose heartbeats fail for a
     * node timeout is presumed dead, its running tasks run again elsewhere (found by a fault check).
     * At most {@link #HEARTBEAT_WRITES} tries, none begun after half an interval, and none once the
     * heartbeat is stopping: with the database away, a try waits out the pool's connection timeout.
     */
    private int writeHeartbeat(boolean ahead, long lookedAt) {
        long until = lookedAt + properties.heartbeatInterval().toNanos() / 2;
        for (int attempt = 1; ; attempt++) {
            try {
                return jdbc.sql("update tempora_node set heartbeat_at = current_timestamp, beats = beats + 1,"
                                + " starts_ahead = :ahead where id = :id")
                        .param("ahead", ahead)
                        .param("id", node.id())
                        .update();
            } catch (RuntimeException failed) {
                if (!DatabaseErrors.unreachable(failed)
                        || attempt == HEARTBEAT_WRITES
                        || System.nanoTime() - until >= 0
                        || Thread.currentThread().isInterrupted()
                        || !heartbeat.isRunning()) {
                    throw failed;
                }
                log.debug("Heartbeat write failed, writing it again: {}", failed.toString());
            }
        }
    }

    /** Joins again after being presumed dead, unless this instance has begun to stop meanwhile. */
    private synchronized boolean rejoin() {
        if (!heartbeat.isRunning()) {
            return false; // stop() came first: it has left the node list, and it stays out
        }
        register();
        long joinedAt = System.nanoTime();
        // Who is there is read at the first cancel: a read here that failed would leave the check of
        // the incarnation before, settled long ago, in place (found by review).
        node.joined(joinedAt, lease(), new OthersSettled(null, joinedAt + lease().toNanos()));
        return true;
    }

    /**
     * Removes dead nodes and takes over their tasks; {@code always}: look for orphans even if no node
     * was found dead now ({@code gone} were found dead otherwise). Each node is judged by the node
     * timeout it recorded, one longer than its own heartbeat interval (an instance of an earlier
     * version, which records none, by this one's).
     */
    private void recover(int gone, boolean always) {
        var silent = "heartbeat_at < current_timestamp - interval '0.001' second * coalesce(node_timeout_ms, :timeout)";
        // Read before they are removed, for the log to name them (a node that heartbeats in between
        // is named but stays: the removal looks again).
        var silentNodes = jdbc.sql("select id from tempora_node where " + silent)
                .param("timeout", properties.nodeTimeout().toMillis())
                .query(String.class)
                .list();
        int removed = silentNodes.isEmpty()
                ? 0
                : jdbc.sql("delete from tempora_node where id in (:ids) and " + silent)
                        .param("ids", silentNodes)
                        .param("timeout", properties.nodeTimeout().toMillis())
                        .update();
        int dead = gone + removed;
        if (dead == 0 && !always) {
            return;
        }
        var taken = transitions.recoverOrphans();
        if (dead > 0 || !taken.isEmpty()) {
            log.warn(
                    "{} dead nodes removed{}; {} tasks they were running will run again (attempts tells){}",
                    dead,
                    removed == 0 ? "" : " (silent past their node timeouts: " + String.join(", ", silentNodes) + ")",
                    taken.size(),
                    named(taken));
            whenTasksFreed.run();
        }
    }

    /** The first {@link #TAKEN_OVER_NAMED} of {@code taken}, for the log: ": id, id, ..." */
    private static String named(List<TaskId> taken) {
        if (taken.isEmpty()) {
            return "";
        }
        var ids = taken.stream().limit(TAKEN_OVER_NAMED).map(TaskId::toString).toList();
        return ": " + String.join(", ", ids) + (taken.size() > ids.size() ? ", ..." : "");
    }

    /**
     * After {@link #recover}, which removed the dead: whether anyone else is in the node list, as of
     * {@code lookedAt}, before this heartbeat began. A node removed as dead had been silent for the
     * node timeout, so a lease it took at its last heartbeat has run out.
     */
    private void renewLease(long lookedAt) {
        foundAlone(others() == 0, lookedAt);
    }

    /**
     * Tells the node whether it is alone. One that becomes alone (it was not, or its lease had run
     * out) first makes the tasks it holds wait for their claims: while others were there, a cancel
     * of one may have been decided through them, which it never heard of. (Started ahead, a task
     * held since then ran although its cancel had been answered 200 before it was due.)
     */
    private void foundAlone(boolean alone, long lookedAt) {
        if (alone && !node.alone()) {
            tracker.othersMayHaveCancelled();
        }
        node.foundAlone(alone, lookedAt, lease());
    }

    /**
     * Whether this instance may be running tasks ahead of claims not yet written, or start more so:
     * alone, or not so long ago. Looked at in that order: once this instance is no longer alone, a
     * worker that found it alone has counted itself in with the tracker, or holds its task there.
     */
    private boolean startsAhead() {
        return node.alone() || tracker.runsAheadOfClaims();
    }

    /**
     * This heartbeat reported that this instance may be running tasks ahead of their claims; if it
     * has found others since (an instance joined), and the claims are written within a moment, says
     * so now: an instance that has just joined waits for that before it cancels anything.
     */
    private void reportSettledIfSo() {
        if (node.alone()) {
            return;
        }
        try {
            var wait = AHEAD_CLAIMS_WAIT.compareTo(properties.heartbeatInterval()) < 0
                    ? AHEAD_CLAIMS_WAIT
                    : properties.heartbeatInterval();
            tracker.aheadClaimsSettled().get(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException claimFailed) {
            // Settled, failed: the task runs again, as any whose claim fails.
        } catch (TimeoutException notYet) {
            return; // the next heartbeat reports them
        } catch (InterruptedException stopping) {
            Thread.currentThread().interrupt();
            return;
        }
        if (!startsAhead()) {
            jdbc.sql("update tempora_node set beats = beats + 1, starts_ahead = false where id = :id")
                    .param("id", node.id())
                    .update();
        }
    }

    /**
     * The others in the node list, as this instance joins it, and their count of reports; {@code
     * timeout}: the longest to wait for the database, in seconds (0: no limit but the pool's).
     */
    private List<Other> othersAtJoin(int timeout) {
        return jdbc.sql("select id, beats from tempora_node where id <> :id")
                .withQueryTimeout(timeout)
                .param("id", node.id())
                .query((row, n) -> new Other(row.getString("id"), row.getObject("beats", Long.class)))
                .list();
    }

    private int others() {
        return jdbc.sql("select count(*) from tempora_node where id <> :id")
                .param("id", node.id())
                .query(Integer.class)
                .single();
    }

    /**
     * The longest a cancel waits for this instance to join the node list as it starts, and for the
     * others to settle their claims: a node timeout, in which a running instance would have sent a
     * heartbeat, and a live one reported them; at least two heartbeats and the wait for claims.
     */
    Duration joinWait() {
        // Never shorter than the others take to report: two heartbeats (one under way as this one
        // joined) and the wait for their claims.
        var reports = properties.heartbeatInterval().multipliedBy(2).plus(AHEAD_CLAIMS_WAIT);
        return reports.compareTo(properties.nodeTimeout()) > 0 ? reports : properties.nodeTimeout();
    }

    /** Two heartbeats, so one late heartbeat does not end it; never longer than the node timeout. */
    private Duration lease() {
        var twoBeats = properties.heartbeatInterval().multipliedBy(2);
        return twoBeats.compareTo(properties.nodeTimeout()) < 0 ? twoBeats : properties.nodeTimeout();
    }

    /**
     * Rows of this host that are earlier incarnations, dead now, without waiting for their timeout:
     * rows of this process space whose process is gone, or is this very process (restarted in place
     * under a reused pid). A pid names a process only in its own process space (kernel boot and pid
     * namespace): containers on the host's network share a host name and all run as pid 1, so a
     * row of another space, even with this pid, may be a live sibling, and is left to the node
     * timeout. So is the row of a container's own earlier run, as a restart gives it a new pid
     * namespace, and every row where the space is unknown (not Linux): two machines may share a
     * host name ("node" when it cannot be resolved), and a pid of one says nothing on the other.
     */
    private int forgetEarlierIncarnationsOfThisHost() {
        int forgotten = 0;
        var earlier = jdbc.sql("select id, pid, process_space from tempora_node where host = :host and id <> :id")
                .param("host", node.host())
                .param("id", node.id())
                .query((row, n) ->
                        new Incarnation(row.getString("id"), row.getLong("pid"), row.getString("process_space")))
                .list();
        for (var row : earlier) {
            boolean here = node.processSpace() != null && node.processSpace().equals(row.processSpace());
            if (here && (row.pid() == node.pid() || ProcessHandle.of(row.pid()).isEmpty())) {
                jdbc.sql("delete from tempora_node where id = :id")
                        .param("id", row.id())
                        .update();
                log.info("Node {} was an earlier incarnation of this host that is gone", row.id());
                forgotten++;
            }
        }
        return forgotten;
    }

    private record Incarnation(
            String id, long pid, @Nullable String processSpace) {}

    /** Another instance, and its count of reports ({@code null} for one that does not report). */
    private record Other(String id, @Nullable Long beats) {}

    /** What an instance reported last: its count of reports, and whether it may run tasks ahead. */
    private record Report(@Nullable Long beats, @Nullable Boolean startsAhead) {}

    /**
     * Whether the instances in the node list when this one joined can no longer be running tasks
     * ahead of claims not yet written, nor start more so. Each has, once a report of its made after
     * the join says so: a report is worked out before the write that carries it, and an instance
     * learns it is alone only from a count of the node list after such a write. So a report written
     * after this instance read the list at its join was worked out after the row of this one was
     * there to count, and every count since sees it: an instance reporting then that it is not alone
     * and runs no task ahead of an unwritten claim starts none ahead while this one is listed.
     *
     * <p>The list may be read at join, or later (at the first look): any read after this instance's
     * row was written will do, a later one only waiting for later reports. Instances of an earlier
     * version do not report: for those, their lease on being alone is waited out, a time bound, as
     * before. Those gone since (left, or removed as dead) count as settled.
     */
    private final class OthersSettled implements BooleanSupplier {

        private @Nullable List<Other> atJoin;
        private final long leasesEnd;
        private volatile boolean settled;
        private long lookedAt;

        /** {@code atJoin}: the others, read once this instance's row was written; null to read them. */
        OthersSettled(@Nullable List<Other> atJoin, long leasesEnd) {
            this.atJoin = atJoin;
            this.leasesEnd = leasesEnd;
            this.settled = atJoin != null && atJoin.isEmpty();
            this.lookedAt = System.nanoTime() - SETTLED_LOOK.toNanos();
        }

        @Override
        public boolean getAsBoolean() {
            if (settled) {
                return true;
            }
            synchronized (this) {
                long now = System.nanoTime();
                if (settled || now - lookedAt < SETTLED_LOOK.toNanos()) {
                    return settled;
                }
                lookedAt = now;
                try {
                    settled = look(now);
                } catch (RuntimeException databaseTrouble) {
                    log.debug("Could not look whether the others have settled: {}", databaseTrouble.toString());
                }
                return settled;
            }
        }

        private boolean look(long now) {
            if (atJoin == null) {
                atJoin = othersAtJoin(SETTLED_LOOK_TIMEOUT);
            }
            var reports = new HashMap<String, Report>();
            jdbc.sql("select id, beats, starts_ahead from tempora_node where id <> :id")
                    .withQueryTimeout(SETTLED_LOOK_TIMEOUT)
                    .param("id", node.id())
                    .query(row -> {
                        var report = new Report(
                                row.getObject("beats", Long.class), row.getObject("starts_ahead", Boolean.class));
                        reports.put(row.getString("id"), report);
                    });
            for (var other : atJoin) {
                var report = reports.get(other.id());
                boolean done;
                if (report == null) {
                    done = true; // gone
                } else if (other.beats() == null || report.beats() == null) {
                    done = now - leasesEnd >= 0;
                } else {
                    done = report.beats() > other.beats() && Boolean.FALSE.equals(report.startsAhead());
                }
                if (!done) {
                    return false;
                }
            }
            return true;
        }
    }
}
