import java.nio.file.*;
import java.sql.*;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;
import org.h2.mvstore.MVStore;

/**
 * Hypothesis B: can H2 crash recovery keep one statement of a committed transaction and lose another?
 * Each start: (1) if the file was not closed cleanly, optionally open it in MVStore recovery mode and close
 * it (as Tempora's H2CrashRecovery does); (2) open via JDBC, check the invariants, print one line;
 * (3) write until killed. Tables mimic webhook_delivery / webhook_attempt.
 */
public class H2Split {
    static final String URL = "jdbc:h2:retry:./" + System.getenv().getOrDefault("DIR", "data") + "/tempora;DB_CLOSE_ON_EXIT=FALSE";

    public static void main(String[] args) throws Exception {
        boolean recovery = !"norecovery".equals(System.getenv("MODE"));
        Path file = Path.of(System.getenv().getOrDefault("DIR", "data") + "/tempora.mv.db");
        String note = "";
        if (Files.exists(file)) {
            byte[] head = new byte[8192];
            try (var in = Files.newInputStream(file)) { in.readNBytes(head, 0, 8192); }
            String s = new String(head, java.nio.charset.StandardCharsets.ISO_8859_1);
            boolean clean = s.substring(0, s.indexOf('\n')).contains(",clean:1")
                    && s.substring(4096, 4096 + s.substring(4096).indexOf('\n')).contains(",clean:1");
            if (!clean && recovery) {
                long t = System.nanoTime();
                var st = new MVStore.Builder().fileName(file.toString()).recoveryMode().open();
                long v = st.getCurrentVersion();
                st.close();
                note = " recovered@v" + v + " in " + (System.nanoTime() - t) / 1_000_000 + "ms";
            } else note = clean ? " clean" : " unclean(no-recovery)";
        }
        Connection c = DriverManager.getConnection(URL, "sa", "");
        try (var st = c.createStatement()) {
            st.execute("create table if not exists d (id bigint primary key, state varchar(20) not null, n int not null,"
                    + " lease varchar(40), pad varchar(400))");
            st.execute("create table if not exists a (d_id bigint not null, n int not null, status int, body varchar(400),"
                    + " primary key (d_id, n))");
            st.execute("create table if not exists marks (k varchar(10) primary key, v bigint)");
        }
        check(c, note);
        if (System.getenv("CHECKONLY") != null) { c.close(); return; }
        long start;
        try (var st = c.createStatement(); var rs = st.executeQuery("select coalesce(max(id),0) from d")) {
            rs.next();
            start = rs.getLong(1) + 1_000_000; // fresh id range each run
        }
        c.close();
        int threads = Integer.parseInt(System.getenv().getOrDefault("THREADS", "6"));
        var seq = new AtomicLong(start);
        var pool = Executors.newFixedThreadPool(threads + 2);
        String pad = "x".repeat(300);
        for (int t = 0; t < threads; t++) {
            pool.submit(() -> {
                try (Connection w = DriverManager.getConnection(URL, "sa", "")) {
                    w.setAutoCommit(false);
                    var rnd = ThreadLocalRandom.current();
                    var ins = w.prepareStatement("insert into d (id, state, n, pad) values (?, 'PENDING', 0, ?)");
                    var lease = w.prepareStatement("update d set n = n + 1, lease = ? where id = ? and state = 'PENDING'");
                    var att = w.prepareStatement("insert into a (d_id, n, status, body) values (?, ?, 200, ?)");
                    var upd = w.prepareStatement("update d set state = 'SUCCEEDED', lease = null where id = ? and lease = ?");
                    while (true) {
                        int k = 1 + rnd.nextInt(40);
                        long[] ids = new long[k];
                        for (int i = 0; i < k; i++) ids[i] = seq.getAndIncrement();
                        // the outbox rows (task end)
                        for (long id : ids) { ins.setLong(1, id); ins.setString(2, pad); ins.addBatch(); }
                        ins.executeBatch(); w.commit();
                        // the lease
                        String l = Thread.currentThread().getName() + "/" + ids[0];
                        for (long id : ids) { lease.setString(1, l); lease.setLong(2, id); lease.addBatch(); }
                        lease.executeBatch(); w.commit();
                        // recordAll: attempts inserted, deliveries updated, one transaction
                        for (long id : ids) { att.setLong(1, id); att.setInt(2, 1); att.setString(3, pad); att.addBatch(); }
                        att.executeBatch();
                        for (long id : ids) { upd.setString(2, l); upd.setLong(1, id); upd.addBatch(); }
                        int[] counts = upd.executeBatch();
                        for (int cnt : counts) if (cnt != 1) { System.out.println("LIVE update count " + cnt); }
                        w.commit();
                    }
                } catch (Throwable e) { System.out.println("writer: " + e); }
            });
        }
        // Durability-like checkpoints (none with NOCHECKPOINT set: H2's background writer alone)
        if (System.getenv("NOCHECKPOINT") == null) pool.submit(() -> {
            try (Connection w = DriverManager.getConnection(URL, "sa", ""); var st = w.createStatement()) {
                var rnd = ThreadLocalRandom.current();
                while (true) { Thread.sleep(rnd.nextInt(5, 60)); st.execute("CHECKPOINT"); }
            } catch (Throwable e) { System.out.println("checkpoint: " + e); }
        });
        // a deleter: frees space so chunks are written into reused space (as Tempora's keep-finished does)
        pool.submit(() -> {
            try (Connection w = DriverManager.getConnection(URL, "sa", "")) {
                w.setAutoCommit(false);
                var st = w.createStatement();
                while (true) {
                    Thread.sleep(300);
                    long lim = seq.get() - 20_000;
                    st.executeUpdate("delete from a where d_id < " + lim);
                    st.executeUpdate("delete from d where id < " + lim + " and state = 'SUCCEEDED'");
                    w.commit();
                }
            } catch (Throwable e) { System.out.println("deleter: " + e); }
        });
        System.out.println("writing from " + start);
        Thread.sleep(Long.MAX_VALUE);
    }

    static void check(Connection c, String note) throws SQLException {
        try (var st = c.createStatement()) {
            long attempts = one(st, "select count(*) from a");
            long deliveries = one(st, "select count(*) from d");
            // attempt kept, its delivery's update lost
            long orphanAttempt = one(st, "select count(*) from a left join d on d.id = a.d_id where d.id is null");
            long attemptButPending = one(st, "select count(*) from a join d on d.id = a.d_id where d.state <> 'SUCCEEDED' or d.lease is not null or d.n <> a.n");
            // update kept, attempt lost
            long succeededNoAttempt = one(st, "select count(*) from d where state = 'SUCCEEDED' and not exists (select 1 from a where a.d_id = d.id)");
            long leasedPending = one(st, "select count(*) from d where state = 'PENDING' and lease is not null");
            String verdict = (orphanAttempt + attemptButPending + succeededNoAttempt) == 0 ? "OK" : "SPLIT";
            System.out.println("CHECK " + verdict + note + " attempts=" + attempts + " deliveries=" + deliveries
                    + " attemptButPending=" + attemptButPending + " orphanAttempt=" + orphanAttempt
                    + " succeededNoAttempt=" + succeededNoAttempt + " leasedPending=" + leasedPending);
            if (attemptButPending > 0) {
                try (var rs = st.executeQuery("select a.d_id, d.state, d.n, d.lease from a join d on d.id = a.d_id where d.state <> 'SUCCEEDED' or d.lease is not null or d.n <> a.n limit 5")) {
                    while (rs.next()) System.out.println("  split: " + rs.getLong(1) + " " + rs.getString(2) + " n=" + rs.getInt(3) + " lease=" + rs.getString(4));
                }
            }
        }
    }

    static long one(Statement st, String sql) throws SQLException {
        try (var rs = st.executeQuery(sql)) { rs.next(); return rs.getLong(1); }
    }
}
