package dev.tempora.bench.peer;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobExecutionContext;
import org.quartz.JobExecutionException;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.impl.matchers.GroupMatcher;
import org.quartz.utils.ConnectionProvider;
import org.quartz.utils.DBConnectionManager;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.init.ScriptUtils;

/**
 * Quartz with the JDBC job store ({@code JobStoreTX}), configured as its configuration reference
 * recommends for many triggers firing at once:
 *
 * <ul>
 *   <li>{@code threadPool.threadCount}: the benchmark's common worker count.
 *   <li>{@code scheduler.batchTriggerAcquisitionMaxCount = threadCount}: "The larger the number,
 *       the more efficient firing is (in situations where there are very many triggers needing to
 *       be fired all at once)"; which requires {@code jobStore.acquireTriggersWithinLock = true}.
 *   <li>{@code batchTriggerAcquisitionFireAheadTimeWindow} stays 0: a larger window fires
 *       triggers early, which is not what a scheduler is for.
 *   <li>{@code jobStore.useProperties = true}: job data as strings, no BLOB serialisation (and the
 *       jobs carry none: the probe id is the job's name).
 *   <li>{@code driverDelegateClass}: {@code StdJDBCDelegate} for H2 (as tables_h2.sql says),
 *       {@code PostgreSQLDelegate} for PostgreSQL; the schema is Quartz's own script from its jar.
 *   <li>Connections come from the same Hikari pool every engine gets, through
 *       {@link DBConnectionManager} (Quartz's docs: maxConnections at least threadCount + 2).
 *   <li>Non-clustered: a single node, like every engine here; the in-memory semaphore then guards
 *       the job store instead of row locks.
 * </ul>
 */
final class QuartzEngine implements Engine {

    private static final String GROUP = "bench";

    private final BenchDatabase database;
    private final Probe probe;
    private final int threads;
    private final String id;
    private HikariDataSource dataSource;
    private JdbcTemplate jdbc;
    private Scheduler scheduler;

    QuartzEngine(BenchDatabase database, Probe probe, int threads) {
        this.database = database;
        this.probe = probe;
        this.threads = threads;
        // Quartz keeps schedulers and data sources in JVM-wide registries: names must be unique.
        this.id = "bench-quartz-" + database.name().toLowerCase() + "-" + System.nanoTime();
    }

    @Override
    public String name() {
        return "quartz";
    }

    @Override
    public void start() throws Exception {
        dataSource = BenchDatabase.pool(database.prepare(name()), name());
        jdbc = new JdbcTemplate(dataSource);
        var script = database.isPostgres() ? "tables_postgres.sql" : "tables_h2.sql";
        try (Connection connection = dataSource.getConnection()) {
            ScriptUtils.executeSqlScript(
                    connection,
                    new ClassPathResource("org/quartz/impl/jdbcjobstore/" + script, Scheduler.class.getClassLoader()));
        }
        DBConnectionManager.getInstance().addConnectionProvider(id, new PooledConnections(dataSource));

        var properties = new Properties();
        properties.setProperty("org.quartz.scheduler.instanceName", id);
        properties.setProperty("org.quartz.scheduler.makeSchedulerThreadDaemon", "true");
        properties.setProperty("org.quartz.scheduler.batchTriggerAcquisitionMaxCount", Integer.toString(threads));
        properties.setProperty("org.quartz.threadPool.class", "org.quartz.simpl.SimpleThreadPool");
        properties.setProperty("org.quartz.threadPool.threadCount", Integer.toString(threads));
        properties.setProperty("org.quartz.threadPool.makeThreadsDaemons", "true");
        properties.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
        properties.setProperty(
                "org.quartz.jobStore.driverDelegateClass",
                database.isPostgres()
                        ? "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate"
                        : "org.quartz.impl.jdbcjobstore.StdJDBCDelegate");
        properties.setProperty("org.quartz.jobStore.dataSource", id);
        properties.setProperty("org.quartz.jobStore.tablePrefix", "QRTZ_");
        properties.setProperty("org.quartz.jobStore.useProperties", "true");
        properties.setProperty("org.quartz.jobStore.acquireTriggersWithinLock", "true");
        properties.setProperty("org.quartz.jobStore.isClustered", "false");
        scheduler = new StdSchedulerFactory(properties).getScheduler();
        scheduler.getContext().put(ProbeJob.PROBE, probe);
        scheduler.start();
    }

    @Override
    public void submitDueNow(int firstId, int count) throws SchedulerException {
        var now = new Date();
        var batch = new HashMap<JobDetail, Set<? extends Trigger>>();
        for (int i = 0; i < count; i++) {
            add(batch, firstId + i, now);
            if (batch.size() == CHUNK || i == count - 1) {
                scheduler.scheduleJobs(batch, false);
                batch.clear();
            }
        }
    }

    @Override
    public void submitAt(int firstId, List<Instant> due) throws SchedulerException {
        var batch = new HashMap<JobDetail, Set<? extends Trigger>>();
        for (int i = 0; i < due.size(); i++) {
            add(batch, firstId + i, Date.from(due.get(i)));
            if (batch.size() == CHUNK || i == due.size() - 1) {
                scheduler.scheduleJobs(batch, false);
                batch.clear();
            }
        }
    }

    private static void add(Map<JobDetail, Set<? extends Trigger>> batch, int id, Date at) {
        var name = Integer.toString(id);
        var job = JobBuilder.newJob(ProbeJob.class).withIdentity(name, GROUP).build();
        var trigger = TriggerBuilder.newTrigger()
                .withIdentity(name, GROUP)
                .startAt(at)
                .build();
        batch.put(job, Set.of(trigger));
    }

    @Override
    public long unfinishedDueBefore(Instant horizon) {
        // A fired one-shot trigger is deleted (with its non-durable job) once its job completes;
        // until then its next_fire_time is -1, still below the horizon.
        return jdbc.queryForObject(
                "select count(*) from qrtz_triggers where next_fire_time < ?", Long.class, horizon.toEpochMilli());
    }

    @Override
    public void cancelPending(Instant horizon) throws SchedulerException {
        for (var key : scheduler.getTriggerKeys(GroupMatcher.triggerGroupEquals(GROUP))) {
            var trigger = scheduler.getTrigger(key);
            if (trigger != null
                    && trigger.getNextFireTime() != null
                    && trigger.getNextFireTime().toInstant().isBefore(horizon)) {
                scheduler.unscheduleJob(key);
            }
        }
    }

    @Override
    public void stop() {
        try {
            if (scheduler != null) {
                scheduler.shutdown(true);
            }
        } catch (SchedulerException e) {
            throw new IllegalStateException(e);
        } finally {
            if (dataSource != null) {
                dataSource.close();
            }
        }
    }

    /** The zero-work job: its name is the probe id. Public with a no-arg constructor for Quartz's job factory. */
    public static final class ProbeJob implements Job {
        static final String PROBE = "probe";

        @Override
        public void execute(JobExecutionContext context) throws JobExecutionException {
            try {
                var probe = (Probe) context.getScheduler().getContext().get(PROBE);
                probe.ran(Integer.parseInt(context.getJobDetail().getKey().getName()));
            } catch (SchedulerException e) {
                throw new JobExecutionException(e);
            }
        }
    }

    /** Hands Quartz connections from the benchmark's pool; the pool is closed by the engine. */
    private record PooledConnections(HikariDataSource dataSource) implements ConnectionProvider {
        @Override
        public Connection getConnection() throws java.sql.SQLException {
            return dataSource.getConnection();
        }

        @Override
        public void shutdown() {}

        @Override
        public void initialize() {}
    }
}
