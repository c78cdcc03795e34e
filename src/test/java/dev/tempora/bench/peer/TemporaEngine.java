package dev.tempora.bench.peer;

import dev.tempora.TemporaApplication;
import dev.tempora.handler.TaskContext;
import dev.tempora.handler.TaskHandler;
import dev.tempora.task.NewTask;
import dev.tempora.task.TaskService;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Tempora in-process, as {@code TemporaBenchmark} starts it: its shipped settings, except the
 * default pool's size (the benchmark's common worker count) and the database.
 */
final class TemporaEngine implements Engine {

    private final BenchDatabase database;
    private final Probe probe;
    private final int threads;
    private ConfigurableApplicationContext context;
    private TaskService tasks;
    private JdbcClient jdbc;
    private int port;

    TemporaEngine(BenchDatabase database, Probe probe, int threads) {
        this.database = database;
        this.probe = probe;
        this.threads = threads;
    }

    @Override
    public String name() {
        return "tempora";
    }

    @Override
    public void start() throws Exception {
        var url = database.prepare(name());
        var properties = new ArrayList<>(List.of(
                "server.port=0",
                "spring.main.banner-mode=off",
                "logging.level.root=WARN",
                "logging.level.dev.tempora=WARN",
                "spring.datasource.url=" + url,
                "spring.datasource.hikari.maximum-pool-size=" + BenchDatabase.POOL_SIZE,
                "tempora.pools.default.size=" + threads));
        if (database.isPostgres()) {
            var schema = url.substring(url.indexOf("currentSchema=") + "currentSchema=".length());
            properties.add("spring.flyway.schemas=" + schema);
            properties.add("spring.flyway.default-schema=" + schema);
        }
        var handler = new ProbeHandler(probe);
        context = new SpringApplicationBuilder(TemporaApplication.class)
                // The probe handler is a bean like any application's handler.
                .initializers(app -> ((GenericApplicationContext) app)
                        .registerBean("benchProbeHandler", TaskHandler.class, () -> handler))
                // As command-line arguments: they must win over the test classpath's
                // config/application.properties, which points at an in-memory H2.
                .run(properties.stream().map(property -> "--" + property).toArray(String[]::new));
        tasks = context.getBean(TaskService.class);
        jdbc = context.getBean(JdbcClient.class);
        port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
    }

    TaskService tasks() {
        return tasks;
    }

    int port() {
        return port;
    }

    @Override
    public void submitDueNow(int firstId, int count) {
        var batch = new ArrayList<NewTask>(CHUNK);
        for (int i = 0; i < count; i++) {
            batch.add(task(firstId + i, null));
            if (batch.size() == CHUNK || i == count - 1) {
                tasks.submitAll(batch);
                batch.clear();
            }
        }
    }

    @Override
    public void submitAt(int firstId, List<Instant> due) {
        var batch = new ArrayList<NewTask>(CHUNK);
        for (int i = 0; i < due.size(); i++) {
            batch.add(task(firstId + i, due.get(i)));
            if (batch.size() == CHUNK || i == due.size() - 1) {
                tasks.submitAll(batch);
                batch.clear();
            }
        }
    }

    private static NewTask task(int id, Instant runAt) {
        return new NewTask(ProbeHandler.NAME, "{\"id\":" + id + "}", null, runAt, 0, null, null, "default", Map.of());
    }

    @Override
    public long unfinishedDueBefore(Instant horizon) {
        return jdbc.sql("select count(*) from task where state in ('SCHEDULED', 'RUNNING') and run_at < :horizon")
                .param("horizon", horizon.atOffset(ZoneOffset.UTC))
                .query(Long.class)
                .single();
    }

    @Override
    public void cancelPending(Instant horizon) {
        // A deleted task the timer still holds is skipped: its guarded start updates no row.
        jdbc.sql("delete from task where state = 'SCHEDULED' and run_at < :horizon")
                .param("horizon", horizon.atOffset(ZoneOffset.UTC))
                .update();
    }

    @Override
    public void stop() {
        if (context != null) {
            context.close();
        }
    }

    /** The zero-work task: reports its id to the probe, returns nothing. */
    private record ProbeHandler(Probe probe) implements TaskHandler {
        static final String NAME = "bench-probe";

        @Override
        public String name() {
            return NAME;
        }

        @Override
        public Object handle(TaskContext context) {
            probe.ran(context.args().get("id").asInt());
            return null;
        }
    }
}
