package dev.tempora.bench.peer;

import com.zaxxer.hikari.HikariDataSource;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.IntStream;
import org.jobrunr.jobs.lambdas.JobRequest;
import org.jobrunr.jobs.lambdas.JobRequestHandler;
import org.jobrunr.jobs.mappers.JobMapper;
import org.jobrunr.scheduling.JobBuilder;
import org.jobrunr.scheduling.JobRequestScheduler;
import org.jobrunr.server.BackgroundJobServer;
import org.jobrunr.server.BackgroundJobServerConfiguration;
import org.jobrunr.storage.StorageProvider;
import org.jobrunr.storage.StorageProviderUtils.DatabaseOptions;
import org.jobrunr.storage.sql.h2.H2StorageProvider;
import org.jobrunr.storage.sql.postgres.PostgresStorageProvider;
import org.jobrunr.utils.mapper.jackson3.Jackson3JsonMapper;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * JobRunr (open-source edition), configured for throughput and latency as far as it allows:
 *
 * <ul>
 *   <li>{@code andWorkerCount(n)}: the benchmark's common worker count.
 *   <li>{@code andPollInterval(5 s)}: the smallest JobRunr accepts with a SQL store ("otherwise it
 *       will cause too much load on your SQL/noSQL datastore"); the default is 15 s. Enqueued
 *       jobs are fetched when a poll runs or workers free up; scheduled ones move to the queue
 *       only at a poll, so their lateness is bounded by this interval.
 *   <li>{@code JobRequest}s rather than lambdas: no bytecode analysis per enqueue; batches go
 *       through the stream APIs, which save {@code StorageProvider.BATCH_SIZE} jobs at a time.
 *   <li>The dedicated storage providers for H2 and PostgreSQL, creating their own tables; Jackson
 *       3 for JSON, as on Tempora's classpath. No dashboard, no JMX.
 * </ul>
 *
 * <p>Built from its parts instead of {@code JobRunr.configure()}, which keeps one global instance:
 * the benchmark runs one JobRunr per database in the same JVM.
 */
final class JobRunrEngine implements Engine {

    static final Duration POLL_INTERVAL = Duration.ofSeconds(5);

    private final BenchDatabase database;
    private final Probe probe;
    private final int threads;
    private HikariDataSource dataSource;
    private JdbcTemplate jdbc;
    private StorageProvider storage;
    private BackgroundJobServer server;
    private JobRequestScheduler scheduler;

    JobRunrEngine(BenchDatabase database, Probe probe, int threads) {
        this.database = database;
        this.probe = probe;
        this.threads = threads;
    }

    @Override
    public String name() {
        return "jobrunr";
    }

    @Override
    public void start() throws Exception {
        dataSource = BenchDatabase.pool(database.prepare(name()), name());
        jdbc = new JdbcTemplate(dataSource);
        storage = database.isPostgres()
                ? new PostgresStorageProvider(dataSource, DatabaseOptions.CREATE)
                : new H2StorageProvider(dataSource, DatabaseOptions.CREATE);
        var json = new Jackson3JsonMapper();
        storage.setJobMapper(new JobMapper(json));
        var handler = new ProbeRequestHandler(probe);
        server = new BackgroundJobServer(
                storage,
                json,
                new org.jobrunr.server.JobActivator() {
                    @Override
                    public <T> T activateJob(Class<T> type) {
                        return type.cast(handler);
                    }
                },
                BackgroundJobServerConfiguration.usingStandardBackgroundJobServerConfiguration()
                        .andWorkerCount(threads)
                        .andPollInterval(POLL_INTERVAL));
        server.start();
        scheduler = new JobRequestScheduler(storage);
    }

    @Override
    public void submitDueNow(int firstId, int count) {
        scheduler.enqueue(IntStream.range(firstId, firstId + count).mapToObj(ProbeRequest::new));
    }

    @Override
    public void submitAt(int firstId, List<Instant> due) {
        scheduler.create(IntStream.range(0, due.size())
                .mapToObj(i -> JobBuilder.aJob().scheduleAt(due.get(i)).withJobRequest(new ProbeRequest(firstId + i))));
    }

    @Override
    public long unfinishedDueBefore(Instant horizon) {
        // Enqueued jobs have no scheduledAt; scheduled ones keep theirs until they are enqueued.
        return jdbc.queryForObject(
                "select count(*) from jobrunr_jobs where state in ('AWAITING', 'ENQUEUED', 'PROCESSING')"
                        + " or (state = 'SCHEDULED' and scheduledAt < ?)",
                Long.class,
                horizon.atOffset(ZoneOffset.UTC));
    }

    @Override
    public void cancelPending(Instant horizon) {
        jdbc.update("delete from jobrunr_jobs where state = 'ENQUEUED'");
        jdbc.update(
                "delete from jobrunr_jobs where state = 'SCHEDULED' and scheduledAt < ?",
                horizon.atOffset(ZoneOffset.UTC));
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop();
        }
        if (storage != null) {
            storage.close();
        }
        if (dataSource != null) {
            dataSource.close();
        }
    }

    /** The zero-work job: its only field is the probe id. Public, for JobRunr's JSON mapping. */
    public record ProbeRequest(int id) implements JobRequest {
        @Override
        public Class<ProbeRequestHandler> getJobRequestHandler() {
            return ProbeRequestHandler.class;
        }
    }

    /** Runs {@link ProbeRequest}s; the engine's job activator hands JobRunr this one instance. */
    public static final class ProbeRequestHandler implements JobRequestHandler<ProbeRequest> {
        private final Probe probe;

        ProbeRequestHandler(Probe probe) {
            this.probe = probe;
        }

        @Override
        public void run(ProbeRequest request) {
            probe.ran(request.id());
        }
    }
}
