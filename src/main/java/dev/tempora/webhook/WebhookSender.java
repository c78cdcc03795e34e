package dev.tempora.webhook;

import dev.tempora.dispatch.Node;
import dev.tempora.outbound.OutboundHttp;
import dev.tempora.outbound.OutboundRequest;
import dev.tempora.outbound.OutboundResponse;
import dev.tempora.support.StorableText;
import dev.tempora.support.TaskLogContext;
import dev.tempora.task.Durability;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Component;

/**
 * Sends deliveries: each attempt at its due time, under a lease so no two instances send one at
 * once, over the non-blocking outbound client so a hanging receiver holds a connection but no
 * thread, with at most {@code maxInFlight} attempts open. Task workers never wait for any of it.
 */
@Component
class WebhookSender implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(WebhookSender.class);

    /**
     * How much of a receiver's answer is kept with the attempt, and read: once its status line and
     * headers have come, the body is read only up to this and within the timeout.
     */
    static final int RESPONSE_BYTES_KEPT = 1024;

    /**
     * The most deliveries kept waiting for a place among {@code maxInFlight}; more are left in the
     * database, where the loader finds them once there is room.
     */
    static final int WAITING_AT_MOST = 100_000;

    /** How long a stop waits for leases under way (a statement each) before it cuts what is in flight. */
    private static final Duration LEASES_AWAITED_AT_STOP = Duration.ofSeconds(10);

    private final DeliveryStore store;
    private final WebhookSigner signer;
    private final OutboundHttp http;
    private final WebhookProperties properties;
    private final Clock clock;
    private final Node node;
    private final RetryPolicy retries;
    private final AttemptRecorder recorder;
    private final WebhookMetrics metrics;
    private final Durability durability;
    private final Semaphore inFlight;
    private final ConcurrentHashMap<UUID, ScheduledFuture<?>> scheduled = new ConcurrentHashMap<>();
    /**
     * Attempts in flight, by delivery and lease (a redelivery may start one while another is still
     * waiting): whichever removes one, its completion (which records it) or {@link #stop} (which
     * cuts it and gives it back), owns its end.
     */
    private final ConcurrentHashMap<DeliveryStore.Lease, InFlight> sending = new ConcurrentHashMap<>();

    /** An attempt waiting for its answer: what a stop needs to end it. */
    private record InFlight(CompletableFuture<OutboundResponse> exchange, int attempt, Instant sentAt) {}
    /**
     * Leases and records attempts: never on the timer thread (it only keeps time) nor on the HTTP
     * client's I/O threads (they must never block on the database).
     */
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();

    /** Deliveries due that wait for a place among {@code maxInFlight}. */
    private final WaitingDeliveries waiting;

    private final AtomicLong leases = new AtomicLong();

    /**
     * How soon the deliveries of a lease that failed are looked for again. A lease fails when the
     * database is away, or when its connection pool stays exhausted for its connection timeout (a
     * cluster race audit: 34 times, with 3 instances and 48 clients on 2 cores); those deliveries
     * then waited for the next load, up to {@code loadInterval} (5 s) later.
     */
    static final Duration RELOAD_AFTER_FAILED_LEASE = Duration.ofMillis(500);

    /** Whether a load is timed for {@link #RELOAD_AFTER_FAILED_LEASE}: one at a time. */
    private final AtomicBoolean reloadTimed = new AtomicBoolean();

    /**
     * Shared by each drain from its last look at {@link #timer} until what it leased is sent (in
     * {@link #sending}) or given back; taken alone by a stop, once {@code timer} is cleared, so that
     * the stop's cut comes after every drain under way. Without it, a drain that found the sender
     * running just before a stop leased and sent after the stop had cut the others, and its attempt
     * stayed leased by a stopped sender until its lease ended.
     */
    private final ReadWriteLock leasing = new ReentrantReadWriteLock();

    private volatile ScheduledThreadPoolExecutor timer;

    WebhookSender(
            DeliveryStore store,
            WebhookSigner signer,
            OutboundHttp http,
            WebhookProperties properties,
            Clock clock,
            Node node,
            RetryPolicy retries,
            AttemptRecorder recorder,
            WebhookMetrics metrics,
            Durability durability) {
        this.store = store;
        this.signer = signer;
        this.http = http;
        this.properties = properties;
        this.clock = clock;
        this.node = node;
        this.retries = retries;
        this.recorder = recorder;
        this.metrics = metrics;
        this.durability = durability;
        this.inFlight = new Semaphore(properties.maxInFlight());
        this.waiting = new WaitingDeliveries(WAITING_AT_MOST, properties.maxInFlightPerReceiver());
        metrics.inFlight(() -> properties.maxInFlight() - inFlight.availablePermits());
    }

    @Override
    public synchronized void start() {
        recorder.start();
        // What an attempt queued before the last stop added after it: the loader finds it again.
        waiting.clear();
        reloadTimed.set(false); // one timed before the stop was cut by it
        var executor = new ScheduledThreadPoolExecutor(
                1,
                runnable -> Thread.ofPlatform()
                        .name("tempora-webhooks")
                        .daemon(true)
                        .unstarted(runnable));
        executor.setRemoveOnCancelPolicy(true);
        long interval = properties.loadInterval().toMillis();
        executor.scheduleWithFixedDelay(this::loadDue, 0, interval, TimeUnit.MILLISECONDS);
        timer = executor;
    }

    @Override
    public synchronized void stop() {
        var executor = timer;
        timer = null;
        if (executor != null) {
            executor.shutdownNow();
        }
        scheduled.clear();
        waiting.clear(); // still due in the database: the loader finds them after the next start
        awaitLeasesUnderWay();
        giveBackAttemptsInFlight();
        try {
            recorder.stop();
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits for the drains that looked before the stop to have put what they leased in {@link #sending}. */
    private void awaitLeasesUnderWay() {
        try {
            if (leasing.writeLock().tryLock(LEASES_AWAITED_AT_STOP.toMillis(), TimeUnit.MILLISECONDS)) {
                leasing.writeLock().unlock();
            } else {
                log.warn(
                        "Stopping: webhook leases still under way after {}: their attempts are sent again once their leases end",
                        LEASES_AWAITED_AT_STOP);
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Cuts the attempts still waiting for an answer and gives them back: not recorded, not counted,
     * due as they were, free to lease at once. Left to their leases (timeout + 30 s), they were sent
     * again only that long after the next start, and each used up one attempt of the schedule
     * without a record of it. The receiver may have had such an attempt: it gets it again, same
     * {@code webhook-id}, as it would after a crash.
     */
    private void giveBackAttemptsInFlight() {
        var cut = new ArrayList<DeliveryStore.CutAttempt>();
        sending.forEach((lease, inFlight) -> {
            if (sending.remove(lease, inFlight)) {
                cut.add(new DeliveryStore.CutAttempt(lease, inFlight.attempt(), inFlight.sentAt()));
                inFlight.exchange().cancel(true);
            }
        });
        if (cut.isEmpty()) {
            return;
        }
        try {
            // One whose lease a redelivery took away is recorded as stopped instead (not given back).
            int given = store.releaseOrRecordStopped(cut);
            log.info("Stopping: {} webhook attempts in flight were cut, to be sent again at the next start", given);
        } catch (RuntimeException databaseTrouble) {
            log.warn(
                    "Stopping: {} webhook attempts in flight were cut, and will be sent again once their leases end: {}",
                    cut.size(),
                    databaseTrouble.toString());
        }
    }

    @Override
    public boolean isRunning() {
        return timer != null;
    }

    /** Attempts these deliveries (by id, where each goes) at {@code at} (now, or when due). */
    void sendSoon(Map<UUID, String> urls, Instant at) {
        if (timer == null) {
            return; // stopped: the loader finds them after the next start
        }
        if (at.isAfter(clock.instant())) {
            urls.forEach((id, url) -> schedule(id, url, at));
        } else {
            workers.execute(() -> attempt(urls, at));
        }
    }

    private void schedule(UUID id, String url, Instant at) {
        var executor = timer;
        if (executor == null) {
            return; // stopped: the loader finds it after the next start
        }
        long delay = Math.max(0, Duration.between(clock.instant(), at).toNanos());
        scheduled.compute(id, (key, existing) -> {
            if (existing != null && !existing.isDone() && existing.getDelay(TimeUnit.NANOSECONDS) <= delay) {
                return existing;
            }
            if (existing != null) {
                existing.cancel(false);
            }
            return executor.schedule(
                    () -> workers.execute(() -> attempt(Map.of(id, url), at)), delay, TimeUnit.NANOSECONDS);
        });
    }

    private void loadDue() {
        try {
            var now = clock.instant();
            var horizon = now.plus(properties.loadInterval().multipliedBy(2));
            // Past those waiting here, which come first when a receiver holds up a backlog: a later
            // delivery to another receiver is found all the same.
            var found = store.findDue(horizon, now, 1000 + waiting.size());
            found.keySet().removeIf(this::inHand);
            if (found.isEmpty()) {
                return;
            }
            // One may have been written a moment ago, its outbox's checkpoint still to come (on H2):
            // nothing is sent, or timed to be, before it is in the database file, where a crash
            // cannot take the event back. One checkpoint per pass that finds any; none on PostgreSQL.
            durability.flushSoon().whenComplete((flushed, failed) -> {
                if (failed != null) {
                    log.warn("Due webhook deliveries wait for the next load: {}", failed.toString());
                } else if (timer != null) { // not stopped meanwhile
                    sendOrSchedule(found, now);
                }
            });
        } catch (RuntimeException databaseTrouble) {
            log.warn("Could not look for due webhook deliveries: {}", databaseTrouble.toString());
        }
    }

    /**
     * Times a load {@link #RELOAD_AFTER_FAILED_LEASE} from now, unless one is timed already: it finds
     * the deliveries of a lease that failed (and any other due by then). While the database is away,
     * that load fails too and leases nothing, so there is no lease to fail and time another.
     */
    private void reloadSoon() {
        var executor = timer;
        if (executor == null || !reloadTimed.compareAndSet(false, true)) {
            return;
        }
        try {
            executor.schedule(
                    () -> {
                        reloadTimed.set(false);
                        loadDue();
                    },
                    RELOAD_AFTER_FAILED_LEASE.toNanos(),
                    TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException stopped) {
            reloadTimed.set(false); // the loader finds them after the next start
        }
    }

    /** Sends the deliveries {@code found} due by {@code now}, and times the others. */
    private void sendOrSchedule(Map<UUID, DeliveryStore.Due> found, Instant now) {
        var dueNow = new LinkedHashMap<UUID, String>();
        found.forEach((id, due) -> {
            if (!inHand(id)) {
                if (due.at().isAfter(now)) {
                    schedule(id, due.url(), due.at());
                } else {
                    dueNow.put(id, due.url());
                }
            }
        });
        if (!dueNow.isEmpty()) {
            workers.execute(() -> attempt(dueNow, now));
        }
    }

    /** Whether {@code id} is timed to be sent, or waits for a place. */
    private boolean inHand(UUID id) {
        return scheduled.containsKey(id) || waiting.contains(id);
    }

    /**
     * Sends these deliveries (by id, where each goes), found due at {@code due}, once each has a
     * place among those in flight: behind those already waiting for one.
     */
    private void attempt(Map<UUID, String> urls, Instant due) {
        if (timer == null) {
            return; // stopped: the loader finds them after the next start
        }
        urls.forEach((id, url) -> {
            scheduled.remove(id);
            waiting.add(id, url, due);
        });
        drain();
    }

    /**
     * Gives the free places to waiting deliveries and leases them, as many as are free now, in one
     * statement. Called after every change that may let one go (a delivery comes due, a place is
     * freed), so none is left waiting while there is a place for it. Threads drain side by side,
     * each with what it took: with one draining at a time, a lease slowed by the database (a
     * checkpoint on H2) held up every delivery due meanwhile.
     */
    private void drain() {
        for (var placed = waiting.take(inFlight); !placed.isEmpty(); placed = waiting.take(inFlight)) {
            leasing.readLock().lock();
            try {
                if (timer == null) { // stopped meanwhile: the loader finds them after the next start
                    placed.forEach(delivery -> placeFreed(delivery.receiver()));
                    return;
                }
                lease(placed);
            } finally {
                leasing.readLock().unlock();
            }
        }
    }

    /**
     * Leases the deliveries that are still due (all in one statement) and sends each; each holds a
     * place. A delivery's due time is when it was found due: the lease counts from the latest of
     * them at the earliest, since a timer may fire a little before its time (by the clock the
     * database compares with). A retry timed a moment early used to lease nothing and wait for the
     * loader's next pass, up to 5 s late.
     */
    private void lease(List<WaitingDeliveries.Placed> placed) {
        var receivers = new HashMap<UUID, String>();
        var now = clock.instant();
        for (var delivery : placed) {
            receivers.put(delivery.id(), delivery.receiver());
            now = later(now, delivery.due());
        }
        List<Delivery> leased;
        try {
            var taken = store.lease(
                    List.copyOf(receivers.keySet()),
                    now,
                    node.id() + "/" + leases.incrementAndGet(),
                    now.plus(properties.timeout()).plusSeconds(30));
            taken.stopped().forEach(metrics::stopped);
            leased = taken.deliveries();
        } catch (RuntimeException trouble) {
            receivers.values().forEach(this::placeFreed);
            log.warn(
                    "{} webhook deliveries could not be leased, and are looked for again in {}: {}",
                    placed.size(),
                    RELOAD_AFTER_FAILED_LEASE,
                    trouble.toString());
            reloadSoon();
            return;
        }
        if (timer == null && !leased.isEmpty()) {
            // A stop came while this lease was under way: given back at once rather than sent, so no
            // attempt starts once a stop has begun (even one that gave up waiting for this lease).
            receivers.values().forEach(this::placeFreed);
            try {
                store.release(leased.stream()
                        .map(delivery -> new DeliveryStore.Lease(delivery.id(), delivery.lease()))
                        .toList());
            } catch (RuntimeException databaseTrouble) {
                log.warn(
                        "Stopping: {} webhook deliveries leased meanwhile are sent again once their leases end: {}",
                        leased.size(),
                        databaseTrouble.toString());
            }
            return;
        }
        // Those not leased were delivered, have ended, or are another instance's now.
        for (var delivery : leased) {
            var receiver = receivers.remove(delivery.id());
            try {
                send(delivery, now, receiver);
            } catch (RuntimeException trouble) {
                placeFreed(receiver);
                log.warn("Webhook delivery {} could not be sent: {}", delivery.id(), trouble.toString());
            }
        }
        receivers.values().forEach(this::placeFreed);
    }

    private void placeFreed(String receiver) {
        waiting.ended(receiver);
        inFlight.release();
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private void send(Delivery delivery, Instant now, String receiver) {
        if (delivery.attempts() == 1) {
            metrics.firstAttempt(delivery.type(), Duration.between(delivery.createdAt(), now));
        }
        var lease = delivery.lease();
        long start = System.nanoTime();
        var key = new DeliveryStore.Lease(delivery.id(), lease);
        // In the map before the request goes out, so a stop that comes once it is on the wire cuts
        // it (put after the send, a stop in between missed it: the attempt stayed leased).
        var exchange = new CompletableFuture<OutboundResponse>();
        var inFlight = new InFlight(exchange, delivery.attempts(), now);
        sending.put(key, inFlight);
        var sent = sendOrFail(delivery, now);
        exchange.whenComplete((response, error) -> sent.cancel(true)); // cut by a stop; else a no-op
        sent.whenComplete((response, error) -> {
            if (error == null) {
                exchange.complete(response);
            } else {
                exchange.completeExceptionally(error);
            }
        });
        exchange.whenCompleteAsync(
                (response, error) -> {
                    placeFreed(receiver);
                    try {
                        if (sending.remove(key, inFlight)) {
                            record(delivery, lease, now, System.nanoTime() - start, response, error);
                        }
                    } finally {
                        drain(); // the place freed goes to a waiting delivery, whatever recording did
                    }
                },
                workers);
    }

    /**
     * The attempt's exchange. What throws before it is under way is its failure, recorded and retried
     * by the schedule: thrown, it left the delivery leased by this live instance, its attempt counted,
     * until the lease ran out (timeout + 30 s), and the next attempt was then listed without it.
     */
    private CompletableFuture<OutboundResponse> sendOrFail(Delivery delivery, Instant now) {
        try {
            return http.send(request(delivery, now));
        } catch (RuntimeException unsendable) {
            return CompletableFuture.failedFuture(unsendable);
        }
    }

    private OutboundRequest request(Delivery delivery, Instant now) {
        var headers =
                new LinkedHashMap<>(signer.headers(delivery.id().toString(), now.getEpochSecond(), delivery.payload()));
        headers.put("User-Agent", "Tempora-Webhooks/1");
        return new OutboundRequest(
                "POST",
                URI.create(delivery.url()),
                headers,
                delivery.payload().getBytes(StandardCharsets.UTF_8),
                "application/json",
                properties.timeout(),
                RESPONSE_BYTES_KEPT,
                true, // answered by its head: a 200 whose body never ends is delivered, not timed out
                true); // receivers deduplicate by webhook-id
    }

    private void record(
            Delivery delivery, String lease, Instant at, long nanos, OutboundResponse response, Throwable error) {
        var attempt = new Delivery.Attempt(
                delivery.attempts(),
                at,
                response == null ? null : response.status(),
                error == null ? (response.isSuccess() ? null : "HTTP " + response.status()) : describe(error),
                TimeUnit.NANOSECONDS.toMillis(nanos),
                response == null ? null : abbreviate(response.bodyText()));
        var measured = response == null
                ? WebhookMetrics.Outcome.NO_ANSWER
                : response.isSuccess() ? WebhookMetrics.Outcome.DELIVERED : WebhookMetrics.Outcome.REJECTED;
        var now = clock.instant();
        String state;
        Instant next = null;
        if (response != null && response.isSuccess()) {
            state = Delivery.SUCCEEDED;
        } else if (response != null && response.status() == 410) {
            state = Delivery.FAILED; // Gone: the receiver asks never to be called again for this
        } else {
            var wait = retries.nextWait(delivery.attempts(), response);
            state = wait.isPresent() ? Delivery.PENDING : Delivery.FAILED;
            // Stored as timestamp(6): timed exactly as stored, not a fraction of a microsecond before.
            next = wait.map(w -> now.plus(w).truncatedTo(ChronoUnit.MICROS)).orElse(null);
        }
        var outcome = new AttemptRecorder.Outcome(delivery, lease, attempt, state, next);
        recorder.add(outcome).whenComplete((recorded, notRecorded) -> {
            // Counted, as it is recorded, once: one already recorded as stopped (this instance was
            // presumed dead) was counted then, by the instance that took the delivery over.
            if (!(notRecorded instanceof DuplicateKeyException)) {
                metrics.attempted(delivery.type(), measured, Duration.ofNanos(nanos));
            }
            if (notRecorded == null) {
                afterRecorded(outcome, now);
            }
        });
    }

    private void afterRecorded(AttemptRecorder.Outcome outcome, Instant now) {
        // Its task in the log lines' MDC, as a task's own lines have it: a delivery's id alone took
        // an API call to join them.
        TaskLogContext.about(outcome.delivery().taskId(), () -> logAndSchedule(outcome, now));
    }

    private void logAndSchedule(AttemptRecorder.Outcome outcome, Instant now) {
        var delivery = outcome.delivery();
        if (outcome.state().equals(Delivery.PENDING)) {
            log.debug(
                    "Webhook {} attempt {} failed ({}); next at {}",
                    delivery.id(),
                    outcome.attempt().attempt(),
                    outcome.attempt().error(),
                    outcome.nextAttemptAt());
            if (Duration.between(now, outcome.nextAttemptAt())
                            .compareTo(properties.loadInterval().multipliedBy(2))
                    < 0) {
                schedule(delivery.id(), delivery.url(), outcome.nextAttemptAt());
            }
            return;
        }
        metrics.ended(delivery.type(), outcome.state());
        if (outcome.state().equals(Delivery.FAILED)) {
            int attempts = outcome.attempt().attempt();
            log.warn(
                    "Webhook {} to {} FAILED after {} attempt{}: {}",
                    delivery.id(),
                    withoutSecrets(delivery.url()),
                    attempts,
                    attempts == 1 ? "" : "s",
                    outcome.attempt().error());
        }
    }

    /**
     * A callback URL as a log line may show it: without its query, fragment and user info, where a
     * receiver's token often is (the task's callbackUrl still has it whole, for those who may read it).
     */
    static String withoutSecrets(String url) {
        try {
            var uri = URI.create(url);
            var shown = uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
                    + (uri.getRawPath() == null ? "" : uri.getRawPath());
            return uri.getRawQuery() == null && uri.getRawFragment() == null ? shown : shown + "?…";
        } catch (IllegalArgumentException unreadable) {
            return "(an unreadable URL)";
        }
    }

    private String describe(Throwable error) {
        var cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof TimeoutException || cause instanceof SocketTimeoutException) {
            return "no answer within " + properties.timeout();
        }
        var message = cause.getMessage();
        return abbreviate(cause.getClass().getSimpleName() + (message == null ? "" : ": " + message));
    }

    /** What a receiver answered, or why it did not, as the attempt's columns can hold it. */
    private static String abbreviate(String text) {
        return StorableText.of(text, 1000);
    }
}
