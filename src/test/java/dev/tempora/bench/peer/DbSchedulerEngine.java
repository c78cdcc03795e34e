package dev.tempora.bench.peer;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.task.TaskInstance;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.zaxxer.hikari.HikariDataSource;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * db-scheduler, configured as its README recommends for throughput and latency:
 *
 * <ul>
 *   <li>{@code threads(n)}: the benchmark's common worker count.
 *   <li>{@code pollUsingLockAndFetch(1.0, 4.0)} on PostgreSQL: "If you are running >1000
 *       executions/s you might want to use the lock-and-fetch polling-strategy", with the README's
 *       "high throughput (i.e. keep threads busy)" fractions. It needs {@code select for update
 *       skip locked}, which db-scheduler supports on PostgreSQL but not on H2, so H2 keeps the
 *       default {@code fetch-and-lock-on-execute (0.5, 3.0)}.
 *   <li>{@code enableImmediateExecution()}: a task scheduled for now is run at once instead of at
 *       the next poll (we never schedule from inside a transaction, as the README requires).
 *   <li>{@code pollingInterval(100 ms)} instead of the default 10 s: future tasks are only found by
 *       polling, so this bounds their lateness; lower than that the polls start to cost real
 *       database time on a 2-core machine.
 *   <li>One-time task instances carry the probe id in the instance id, so no task data is
 *       serialised; the schema is the README's table for each database.
 * </ul>
 */
final class DbSchedulerEngine implements Engine {

    static final Duration POLLING_INTERVAL = Duration.ofMillis(100);

    private final BenchDatabase database;
    private final Probe probe;
    private final int threads;
    private HikariDataSource dataSource;
    private JdbcTemplate jdbc;
    private OneTimeTask<Void> task;
    private Scheduler scheduler;

    DbSchedulerEngine(BenchDatabase database, Probe probe, int threads) {
        this.database = database;
        this.probe = probe;
        this.threads = threads;
    }

    @Override
    public String name() {
        return "db-scheduler";
    }

    @Override
    public void start() throws Exception {
        dataSource = BenchDatabase.pool(database.prepare(name()), name());
        jdbc = new JdbcTemplate(dataSource);
        createTable();
        task = Tasks.oneTime("bench-probe")
                .execute((instance, context) -> probe.ran(Integer.parseInt(instance.getId())));
        var builder = Scheduler.create(dataSource, List.of(task))
                .threads(threads)
                .pollingInterval(POLLING_INTERVAL)
                .enableImmediateExecution();
        if (database.isPostgres()) {
            builder = builder.pollUsingLockAndFetch(1.0, 4.0);
        }
        scheduler = builder.build();
        scheduler.start();
    }

    private void createTable() {
        if (database.isPostgres()) {
            jdbc.execute("""
                    create table scheduled_tasks (
                      task_name text not null,
                      task_instance text not null,
                      task_data bytea,
                      execution_time timestamp with time zone not null,
                      picked boolean not null,
                      picked_by text,
                      last_success timestamp with time zone,
                      last_failure timestamp with time zone,
                      consecutive_failures int,
                      last_heartbeat timestamp with time zone,
                      version bigint not null,
                      priority smallint,
                      primary key (task_name, task_instance))""");
            jdbc.execute("create index execution_time_idx on scheduled_tasks (execution_time)");
            jdbc.execute("create index last_heartbeat_idx on scheduled_tasks (last_heartbeat)");
            jdbc.execute(
                    "create index priority_execution_time_idx on scheduled_tasks (priority desc, execution_time asc)");
        } else {
            // The README's HSQLDB/H2 table, plus the execution_time index its PostgreSQL table has.
            jdbc.execute("""
                    create table scheduled_tasks (
                      task_name varchar(100),
                      task_instance varchar(100),
                      task_data blob,
                      execution_time timestamp with time zone,
                      picked bit,
                      picked_by varchar(50),
                      last_success timestamp with time zone,
                      last_failure timestamp with time zone,
                      consecutive_failures int,
                      last_heartbeat timestamp with time zone,
                      version bigint,
                      priority smallint,
                      primary key (task_name, task_instance))""");
            jdbc.execute("create index execution_time_idx on scheduled_tasks (execution_time)");
        }
    }

    @Override
    public void submitDueNow(int firstId, int count) {
        var now = Instant.now();
        var batch = new ArrayList<TaskInstance<?>>(CHUNK);
        for (int i = 0; i < count; i++) {
            batch.add(task.instance(Integer.toString(firstId + i)));
            if (batch.size() == CHUNK || i == count - 1) {
                scheduler.scheduleBatch(batch, now);
                batch.clear();
            }
        }
    }

    @Override
    public void submitAt(int firstId, List<Instant> due) {
        // scheduleBatch takes one instant per call: consecutive tasks with the same due time go together.
        var batch = new ArrayList<TaskInstance<?>>(CHUNK);
        for (int i = 0; i < due.size(); i++) {
            batch.add(task.instance(Integer.toString(firstId + i)));
            boolean last = i == due.size() - 1;
            if (batch.size() == CHUNK || last || !due.get(i + 1).equals(due.get(i))) {
                scheduler.scheduleBatch(batch, due.get(i));
                batch.clear();
            }
        }
    }

    @Override
    public long unfinishedDueBefore(Instant horizon) {
        // A finished one-time execution is deleted from the table.
        return jdbc.queryForObject(
                "select count(*) from scheduled_tasks where execution_time < ?",
                Long.class,
                horizon.atOffset(ZoneOffset.UTC));
    }

    @Override
    public void cancelPending(Instant horizon) {
        jdbc.update(
                "delete from scheduled_tasks where picked = false and execution_time < ?",
                horizon.atOffset(ZoneOffset.UTC));
    }

    @Override
    public void stop() {
        if (scheduler != null) {
            scheduler.stop();
        }
        if (dataSource != null) {
            dataSource.close();
        }
    }
}
