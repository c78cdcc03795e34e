package dev.tempora.bench.peer;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The database's ceiling: no scheduler at all, just worker threads that claim due rows in batches
 * and mark them done, each in its own short transaction. What any durable scheduler on this
 * database does at least, with nothing else.
 *
 * <ul>
 *   <li>PostgreSQL: {@code update ... where id in (select ... for update skip locked limit B)
 *       returning id}, then one batched update to done.
 *   <li>H2 has no {@code skip locked}: each worker owns the ids {@code mod(id, workers) = k} and
 *       claims with a guarded update ({@code where id = ? and state = 0}), so workers never wait on
 *       each other's row locks.
 * </ul>
 *
 * <p>A worker that finds nothing due polls again after {@link #POLL_MILLIS}; when no submitted
 * task is outstanding it sleeps until the next submit instead, so an idle ceiling costs the other
 * engines nothing.
 */
final class RawSqlEngine implements Engine {

    static final int BATCH = 100;
    static final long POLL_MILLIS = 10;

    private final BenchDatabase database;
    private final Probe probe;
    private final int threads;
    private final AtomicLong outstanding = new AtomicLong();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition submitted = lock.newCondition();
    private final List<Thread> workers = new ArrayList<>();
    private volatile boolean running;
    private HikariDataSource dataSource;

    RawSqlEngine(BenchDatabase database, Probe probe, int threads) {
        this.database = database;
        this.probe = probe;
        this.threads = threads;
    }

    @Override
    public String name() {
        return "raw-sql";
    }

    @Override
    public void start() throws Exception {
        dataSource = BenchDatabase.pool(database.prepare(name()), name());
        try (var connection = dataSource.getConnection();
                var statement = connection.createStatement()) {
            statement.execute("create table raw_task (id bigint primary key, due timestamp with time zone not null,"
                    + " state smallint not null)");
            statement.execute("create index raw_task_due on raw_task (state, due)");
        }
        running = true;
        for (int k = 0; k < threads; k++) {
            int worker = k;
            workers.add(Thread.ofPlatform().name("raw-sql-" + k).daemon(true).start(() -> loop(worker)));
        }
    }

    @Override
    public void submitDueNow(int firstId, int count) throws SQLException {
        var now = Instant.now();
        var due = new ArrayList<Instant>(count);
        for (int i = 0; i < count; i++) {
            due.add(now);
        }
        submitAt(firstId, due);
    }

    @Override
    public void submitAt(int firstId, List<Instant> due) throws SQLException {
        try (var connection = dataSource.getConnection();
                var insert = connection.prepareStatement("insert into raw_task (id, due, state) values (?, ?, 0)")) {
            connection.setAutoCommit(false);
            for (int i = 0; i < due.size(); i++) {
                insert.setLong(1, firstId + i);
                insert.setObject(2, utc(due.get(i)));
                insert.addBatch();
                if ((i + 1) % CHUNK == 0 || i == due.size() - 1) {
                    insert.executeBatch();
                    connection.commit();
                }
            }
        }
        outstanding.addAndGet(due.size());
        lock.lock();
        try {
            submitted.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * A worker. A statement that fails (on H2, a claim that waited past the lock timeout behind
     * {@link #cancelPending}'s delete of a run cut at its bound) is retried after {@link
     * #POLL_MILLIS}: a claim's transaction is rolled back, and tasks that ran but are not yet
     * marked done are marked before anything else is claimed. A worker that died instead left
     * its share of the ids unclaimed, and every later run of the engine stuck at the bound.
     */
    private void loop(int worker) {
        List<Long> ran = List.of();
        boolean failing = false;
        while (running) {
            try {
                if (!ran.isEmpty()) {
                    complete(ran);
                    outstanding.addAndGet(-ran.size());
                    ran = List.of();
                    failing = false;
                }
                if (outstanding.get() == 0) {
                    awaitSubmit();
                    continue;
                }
                var claimed = database.isPostgres() ? claimSkipLocked() : claimGuarded(worker);
                failing = false;
                if (claimed.isEmpty()) {
                    Thread.sleep(POLL_MILLIS);
                    continue;
                }
                for (long id : claimed) {
                    probe.ran((int) id);
                }
                ran = claimed;
            } catch (InterruptedException stopping) {
                Thread.currentThread().interrupt();
                return;
            } catch (SQLException trouble) {
                if (!running) {
                    return;
                }
                if (!failing) {
                    System.err.printf("raw-sql-%d: %s; retrying%n", worker, trouble);
                    failing = true;
                }
                if (!backOff()) {
                    return;
                }
            }
        }
    }

    /** Waits {@link #POLL_MILLIS} after a failed statement; false if interrupted (stopping). */
    private static boolean backOff() {
        try {
            Thread.sleep(POLL_MILLIS);
            return true;
        } catch (InterruptedException stopping) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void awaitSubmit() throws InterruptedException {
        lock.lock();
        try {
            while (running && outstanding.get() == 0) {
                submitted.await();
            }
        } finally {
            lock.unlock();
        }
    }

    private List<Long> claimSkipLocked() throws SQLException {
        try (var connection = dataSource.getConnection();
                var claim = connection.prepareStatement("update raw_task set state = 1 where id in"
                        + " (select id from raw_task where state = 0 and due <= ? order by due limit ?"
                        + " for update skip locked) returning id")) {
            claim.setObject(1, utc(Instant.now()));
            claim.setInt(2, BATCH);
            var ids = new ArrayList<Long>();
            try (var rows = claim.executeQuery()) {
                while (rows.next()) {
                    ids.add(rows.getLong(1));
                }
            }
            return ids;
        }
    }

    private List<Long> claimGuarded(int worker) throws SQLException {
        try (var connection = dataSource.getConnection();
                var find = connection.prepareStatement("select id from raw_task where state = 0 and due <= ?"
                        + " and mod(id, ?) = ? order by due limit ?");
                var claim = connection.prepareStatement("update raw_task set state = 1 where id = ? and state = 0")) {
            find.setObject(1, utc(Instant.now()));
            find.setInt(2, threads);
            find.setInt(3, worker);
            find.setInt(4, BATCH);
            var candidates = new ArrayList<Long>();
            try (var rows = find.executeQuery()) {
                while (rows.next()) {
                    candidates.add(rows.getLong(1));
                }
            }
            if (candidates.isEmpty()) {
                return candidates;
            }
            connection.setAutoCommit(false);
            for (long id : candidates) {
                claim.setLong(1, id);
                claim.addBatch();
            }
            int[] counts = claim.executeBatch();
            connection.commit();
            var ids = new ArrayList<Long>(candidates.size());
            for (int i = 0; i < counts.length; i++) {
                if (counts[i] == 1) {
                    ids.add(candidates.get(i));
                }
            }
            return ids;
        }
    }

    private void complete(List<Long> ids) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                var done = connection.prepareStatement("update raw_task set state = 2 where id = ?")) {
            connection.setAutoCommit(false);
            for (long id : ids) {
                done.setLong(1, id);
                done.addBatch();
            }
            done.executeBatch();
            connection.commit();
        }
    }

    @Override
    public long unfinishedDueBefore(Instant horizon) {
        try (var connection = dataSource.getConnection();
                var count = connection.prepareStatement("select count(*) from raw_task where state < 2 and due < ?")) {
            count.setObject(1, utc(horizon));
            try (var rows = count.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void cancelPending(Instant horizon) throws SQLException {
        try (var connection = dataSource.getConnection();
                var delete = connection.prepareStatement("delete from raw_task where state = 0 and due < ?")) {
            delete.setObject(1, utc(horizon));
            outstanding.addAndGet(-delete.executeUpdate());
        }
    }

    @Override
    public void stop() {
        running = false;
        workers.forEach(Thread::interrupt);
        for (var worker : workers) {
            try {
                worker.join(5000);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        if (dataSource != null) {
            dataSource.close();
        }
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}
