package dev.tempora.webhook;

import dev.tempora.dispatch.Node;
import dev.tempora.outbound.OutboundHttp;
import dev.tempora.outbound.OutboundRequest;
import dev.tempora.outbound.OutboundResponse;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Sends deliveries: each attempt at its due time, under a lease so no two instances send one at
 * once, over the non-blocking outbound client so a hanging receiver holds a connection but no
 * thread, with at most {@code maxInFlight} attempts open. Task workers never wait for any of it.
 */
@Component
class WebhookSender implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(WebhookSender.class);

    /** How much of a receiver's answer is kept with the attempt. */
    static final int RESPONSE_BYTES_KEPT = 1024;

    private static final Duration RETRY_WHEN_BUSY = Duration.ofMillis(50);

    private final DeliveryStore store;
    private final WebhookSigner signer;
    private final OutboundHttp http;
    private final WebhookProperties properties;
    private final Clock clock;
    private final Node node;
    private final Semaphore inFlight;
    private final ConcurrentHashMap<UUID, ScheduledFuture<?>> scheduled = new ConcurrentHashMap<>();
    /** Records attempts off the HTTP client's I/O threads, which must never block on the database. */
    private final ExecutorService recorder = Executors.newVirtualThreadPerTaskExecutor();

    private volatile ScheduledThreadPoolExecutor timer;

    WebhookSender(
            DeliveryStore store,
            WebhookSigner signer,
            OutboundHttp http,
            WebhookProperties properties,
            Clock clock,
            Node node) {
        this.store = store;
        this.signer = signer;
        this.http = http;
        this.properties = properties;
        this.clock = clock;
        this.node = node;
        this.inFlight = new Semaphore(properties.maxInFlight());
    }

    @Override
    public synchronized void start() {
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
        // Attempts in flight still record their outcome; an unrecorded one is retried once its lease ends.
        scheduled.clear();
    }

    @Override
    public boolean isRunning() {
        return timer != null;
    }

    /** Attempts these deliveries at {@code at} (now, or when due). */
    void sendSoon(List<UUID> ids, Instant at) {
        ids.forEach(id -> schedule(id, at));
    }

    private void schedule(UUID id, Instant at) {
        var executor = timer;
        if (executor == null) {
            return; // stopped: the loader finds it after the next start
        }
        long delay = Math.max(0, Duration.between(clock.instant(), at).toMillis());
        scheduled.compute(id, (key, existing) -> {
            if (existing != null && !existing.isDone() && existing.getDelay(TimeUnit.MILLISECONDS) <= delay) {
                return existing;
            }
            if (existing != null) {
                existing.cancel(false);
            }
            return executor.schedule(() -> attempt(id), delay, TimeUnit.MILLISECONDS);
        });
    }

    private void loadDue() {
        try {
            var now = clock.instant();
            var horizon = now.plus(properties.loadInterval().multipliedBy(2));
            store.findDue(horizon, now, 1000).forEach((id, due) -> {
                if (!scheduled.containsKey(id)) {
                    schedule(id, due);
                }
            });
        } catch (RuntimeException databaseTrouble) {
            log.warn("Could not look for due webhook deliveries: {}", databaseTrouble.toString());
        }
    }

    private void attempt(UUID id) {
        scheduled.remove(id);
        if (!inFlight.tryAcquire()) {
            schedule(id, clock.instant().plus(RETRY_WHEN_BUSY));
            return;
        }
        try {
            var now = clock.instant();
            var leased = store.lease(
                    id, now, node.id(), now.plus(properties.timeout()).plusSeconds(30));
            if (leased.isEmpty()) {
                inFlight.release(); // delivered, ended, or another instance has it
                return;
            }
            send(leased.get(), now);
        } catch (RuntimeException trouble) {
            inFlight.release();
            log.warn("Webhook delivery {} could not be attempted: {}", id, trouble.toString());
        }
    }

    private void send(Delivery delivery, Instant now) {
        var headers =
                new LinkedHashMap<>(signer.headers(delivery.id().toString(), now.getEpochSecond(), delivery.payload()));
        headers.put("User-Agent", "Tempora-Webhooks/1");
        var request = new OutboundRequest(
                "POST",
                URI.create(delivery.url()),
                headers,
                delivery.payload().getBytes(StandardCharsets.UTF_8),
                "application/json",
                properties.timeout(),
                RESPONSE_BYTES_KEPT);
        long start = System.nanoTime();
        http.send(request)
                .whenCompleteAsync(
                        (response, error) -> {
                            try {
                                record(delivery, now, System.nanoTime() - start, response, error);
                            } finally {
                                inFlight.release();
                            }
                        },
                        recorder);
    }

    private void record(Delivery delivery, Instant at, long nanos, OutboundResponse response, Throwable error) {
        var attempt = new Delivery.Attempt(
                delivery.attempts(),
                at,
                response == null ? null : response.status(),
                error == null ? (response.isSuccess() ? null : "HTTP " + response.status()) : describe(error),
                TimeUnit.NANOSECONDS.toMillis(nanos),
                response == null ? null : abbreviate(response.bodyText()));
        var now = clock.instant();
        String state;
        Instant next = null;
        if (response != null && response.isSuccess()) {
            state = Delivery.SUCCEEDED;
        } else if (response != null && response.status() == 410) {
            state = Delivery.FAILED; // Gone: the receiver asks never to be called again for this
        } else {
            var wait = nextWait(delivery.attempts(), response);
            state = wait.isPresent() ? Delivery.PENDING : Delivery.FAILED;
            next = wait.map(now::plus).orElse(null);
        }
        try {
            store.record(delivery.id(), attempt, state, next, node.id());
        } catch (RuntimeException databaseTrouble) {
            log.warn(
                    "Could not record webhook attempt {} of {}: {}",
                    attempt.attempt(),
                    delivery.id(),
                    databaseTrouble.toString());
            return;
        }
        if (state.equals(Delivery.PENDING)) {
            log.debug(
                    "Webhook {} attempt {} failed ({}); next at {}",
                    delivery.id(),
                    attempt.attempt(),
                    attempt.error(),
                    next);
            if (Duration.between(now, next).compareTo(properties.loadInterval().multipliedBy(2)) < 0) {
                schedule(delivery.id(), next);
            }
        } else if (state.equals(Delivery.FAILED)) {
            log.warn(
                    "Webhook {} to {} FAILED after {} attempts: {}",
                    delivery.id(),
                    delivery.url(),
                    attempt.attempt(),
                    attempt.error());
        }
    }

    /** The wait before the next attempt after {@code attempts} failed ones, if any attempt is left. */
    private Optional<Duration> nextWait(int attempts, OutboundResponse response) {
        var schedule = properties.retrySchedule();
        if (attempts > schedule.size()) {
            return Optional.empty();
        }
        var wait = schedule.get(attempts - 1);
        if (response != null && (response.status() == 429 || response.status() == 503)) {
            var asked = retryAfter(response.headers().get("retry-after"));
            if (asked.isPresent()) {
                // Honoured within bounds: never sooner than a second, never later than maxRetryAfter.
                var bounded = asked.get().compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : asked.get();
                return Optional.of(
                        bounded.compareTo(properties.maxRetryAfter()) > 0 ? properties.maxRetryAfter() : bounded);
            }
        }
        double factor =
                1 + properties.jitter() * (2 * ThreadLocalRandom.current().nextDouble() - 1);
        return Optional.of(Duration.ofNanos((long) (wait.toNanos() * factor)));
    }

    private Optional<Duration> retryAfter(String header) {
        if (header == null || header.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Duration.ofSeconds(Long.parseLong(header.strip())));
        } catch (NumberFormatException notSeconds) {
            try {
                var at = ZonedDateTime.parse(header.strip(), DateTimeFormatter.RFC_1123_DATE_TIME)
                        .toInstant();
                return Optional.of(Duration.between(clock.instant(), at));
            } catch (DateTimeParseException notADate) {
                return Optional.empty();
            }
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

    private static String abbreviate(String text) {
        return text == null || text.length() <= 1000 ? text : text.substring(0, 1000);
    }
}
