package dev.tempora.live;

import dev.tempora.live.Subscriber.Change;
import dev.tempora.live.Subscriber.Comment;
import dev.tempora.live.Subscriber.Frame;
import dev.tempora.live.Subscriber.Hello;
import dev.tempora.live.Subscriber.Reset;
import dev.tempora.support.Timestamps;
import dev.tempora.task.NotReadyException;
import dev.tempora.task.TaskChanged;
import dev.tempora.task.TaskId;
import dev.tempora.task.TaskListener;
import dev.tempora.task.TaskReads;
import dev.tempora.task.TaskState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import tools.jackson.databind.ObjectMapper;

/**
 * The task changes committed on this instance, numbered, the latest {@code tempora.events.buffer}
 * of them kept in a ring; and the streams that follow them.
 *
 * <p>Recording a change costs its publisher one array store under a lock. A single feeder thread
 * hands new changes to the streams: it looks up their handler, pool and labels (in one query per
 * batch, only while someone listens, and cached, as they never change), filters and queues them per
 * stream. Event ids are {@code <epoch>-<sequence>}: a {@code Last-Event-ID} from this process
 * within the ring resumes exactly; one older, or from another process, gets a {@code reset} event,
 * telling the client to reload what it shows, and then the live changes.
 */
@Component
class TaskEventLog implements SmartLifecycle, TaskListener {

    private static final Logger log = LoggerFactory.getLogger(TaskEventLog.class);
    private static final int TAG_CACHE = 10_000;
    static final int CANCELS_REMEMBERED = 1024;
    private static final Duration RECONNECT = Duration.ofSeconds(2);
    /** How soon changes whose tags could not be read (the database was away) are tried again. */
    private static final Duration RETRY = Duration.ofMillis(250);

    private final EventProperties properties;
    private final TaskReads reads;
    private final ObjectMapper json;
    private final String epoch = Long.toString(System.currentTimeMillis(), 36)
            + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36), 36);

    private final ReentrantLock lock = new ReentrantLock();
    private final TaskChanged[] ring;
    /** The sequence number the next change gets; the first is 1. Guarded by {@link #lock}. */
    private long next = 1;

    /**
     * The latest {@link #CANCELS_REMEMBERED} cancels recorded, oldest out first, to leave out a
     * change told after the cancel it came before. Guarded by {@link #lock}.
     */
    private final Set<TaskId> cancelled = Collections.newSetFromMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<TaskId, Boolean> eldest) {
            return size() > CANCELS_REMEMBERED;
        }
    });

    private final CopyOnWriteArrayList<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    /** Writes to the streams; virtual threads, as a write to a slow client mostly waits. */
    private volatile ExecutorService writers = Executors.newVirtualThreadPerTaskExecutor();

    private final Map<TaskId, TaskReads.Tags> tags = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<TaskId, TaskReads.Tags> eldest) {
            return size() > TAG_CACHE;
        }
    };

    private volatile boolean running;
    private volatile Thread feeder;

    TaskEventLog(EventProperties properties, TaskReads reads, ObjectMapper json) {
        this.properties = properties;
        this.reads = reads;
        this.json = json;
        this.ring = new TaskChanged[properties.buffer()];
    }

    @Override
    public void changed(TaskChanged changed) {
        lock.lock();
        try {
            if (changed.state() == TaskState.CANCELLED) {
                cancelled.add(changed.id());
            } else if (!changed.state().isDone() && cancelled.contains(changed.id())) {
                // Committed before the task's cancel, told after it: a claim's RUNNING, its claims
                // thread descheduled between the commit and the telling while a cancel with
                // mayInterruptIfRunning committed and was told. Streamed, it would end the task's
                // events RUNNING, though CANCELLED.
                return;
            }
            ring[(int) (next % ring.length)] = changed;
            next++;
        } finally {
            lock.unlock();
        }
        if (!subscribers.isEmpty()) {
            LockSupport.unpark(feeder);
        }
    }

    /**
     * Opens a stream of the changes {@code filter} wants, after those since {@code lastEventId}
     * (null: from now).
     *
     * @throws TooManyStreams when {@code tempora.events.max-subscribers} are open already
     * @throws NotReadyException when the log is not running (the instance starts or stops): a stream
     *     opened as the stop ended the others was a 500 (its writer refused), or stayed open,
     *     unended, and held the stop for the web server's whole 60 s
     */
    SseEmitter subscribe(EventFilter filter, String lastEventId) {
        if (!running) {
            throw stopped();
        }
        if (subscribers.size() >= properties.maxSubscribers()) {
            throw new TooManyStreams(properties.maxSubscribers());
        }
        var emitter = new SseEmitter(properties.timeout().toMillis());
        var subscriber = new Subscriber(emitter, filter, properties.maxPending(), writers);
        Runnable leave = () -> {
            subscribers.remove(subscriber);
            subscriber.close();
        };
        subscriber.whenGone(leave);
        emitter.onCompletion(leave);
        // The stream's time is up: end it as a stream ends, or Spring answers the timeout with a
        // 503 on a response long under way (and logs that it cannot).
        emitter.onTimeout(() -> {
            leave.run();
            emitter.complete();
        });
        emitter.onError(error -> leave.run());

        var first = new ArrayList<Frame>();
        first.add(new Hello("tempora events", RECONNECT.toMillis()));
        List<Numbered> missed = List.of();
        lock.lock();
        try {
            long last = next - 1;
            subscriber.sentUpTo(last);
            var resumeAfter = sequenceOf(lastEventId);
            if (lastEventId != null && !lastEventId.isBlank()) {
                long oldest = Math.max(1, next - ring.length);
                if (resumeAfter.isPresent() && resumeAfter.get() >= oldest - 1 && resumeAfter.get() <= last) {
                    missed = copy(resumeAfter.get() + 1, next);
                } else {
                    first.add(reset(last, "Last-Event-ID " + lastEventId + " is not within the recent events"));
                }
            }
            // Registered under the lock: every later change has a higher number and reaches it live;
            // and a stop, which ends the streams under it, ends this one too, or it is refused.
            if (!running) {
                subscriber.close();
                throw stopped();
            }
            subscribers.add(subscriber);
        } finally {
            lock.unlock();
        }
        try {
            first.addAll(visible(missed, subscriber.filter()));
        } catch (RuntimeException replayUnread) {
            // The emitter never reaches Spring, so none of its callbacks will ever free the slot.
            leave.run();
            throw replayUnread;
        }
        try {
            subscriber.release(first);
        } catch (RejectedExecutionException stoppedMeanwhile) {
            leave.run();
            throw stopped();
        }
        LockSupport.unpark(feeder);
        return emitter;
    }

    private static NotReadyException stopped() {
        return new NotReadyException("This instance is starting or stopping: open the stream again shortly");
    }

    int subscribers() {
        return subscribers.size();
    }

    private record Numbered(long sequence, TaskChanged change) {}

    /** The changes numbered from {@code from} (inclusive) to {@code to} (exclusive); hold the lock. */
    private List<Numbered> copy(long from, long to) {
        var copied = new ArrayList<Numbered>((int) Math.max(0, to - from));
        for (long sequence = from; sequence < to; sequence++) {
            copied.add(new Numbered(sequence, ring[(int) (sequence % ring.length)]));
        }
        return copied;
    }

    private void feed() {
        long fed;
        lock.lock();
        try {
            fed = next;
        } finally {
            lock.unlock();
        }
        long heartbeat = properties.heartbeat().toNanos();
        long lastBeat = System.nanoTime();
        boolean failing = false;
        while (running) {
            long untilBeat = Math.max(1, lastBeat + heartbeat - System.nanoTime());
            LockSupport.parkNanos(this, failing ? Math.min(untilBeat, RETRY.toNanos()) : untilBeat);
            try {
                List<Numbered> batch;
                boolean lost;
                long from;
                lock.lock();
                try {
                    from = Math.max(fed, next - ring.length);
                    lost = from > fed;
                    batch = subscribers.isEmpty() ? List.of() : copy(from, next);
                    fed = next;
                } finally {
                    lock.unlock();
                }
                if (!subscribers.isEmpty()) {
                    try {
                        deliver(batch, lost);
                        failing = false;
                    } catch (RuntimeException tagsUnread) {
                        // The tags are read before anything of the batch is queued: nothing went out,
                        // so the batch is delivered again on the next pass (or, if the ring has moved on
                        // past it meanwhile, a reset is). Dropped here, its changes were lost to every
                        // stream without a reset, and a later Last-Event-ID skipped them.
                        fed = from;
                        if (!failing) {
                            log.warn("Delivering task events failed, will retry: {}", tagsUnread.toString());
                        }
                        failing = true;
                    }
                }
                if (System.nanoTime() - lastBeat >= heartbeat) {
                    lastBeat = System.nanoTime();
                    for (var subscriber : subscribers) {
                        subscriber.offer(new Comment("heartbeat"));
                        subscriber.flush();
                    }
                }
            } catch (RuntimeException trouble) { // nothing may stop the feeder
                log.warn("Feeding task events failed: {}", trouble.toString());
            }
        }
    }

    private void deliver(List<Numbered> batch, boolean lost) {
        if (lost) {
            long last = batch.isEmpty() ? 0 : batch.getFirst().sequence() - 1;
            for (var subscriber : subscribers) {
                subscriber.offer(reset(last, "Events were dropped: more changed at once than the buffer holds"));
            }
        }
        var tagged = tagged(batch);
        for (var subscriber : subscribers) {
            long after = subscriber.sentUpTo();
            for (var change : tagged) {
                if (change.sequence() > after
                        && subscriber.filter().matches(change.change().id(), change.tags())
                        && !subscriber.offer(change.frame())) {
                    break;
                }
            }
            if (!batch.isEmpty()) {
                subscriber.sentUpTo(Math.max(after, batch.getLast().sequence()));
            }
            subscriber.flush();
        }
    }

    /** A change with its task's tags and, made once for all streams, its frame. */
    private final class Tagged {
        private final Numbered numbered;
        private final TaskReads.Tags tags;
        private Change frame;

        Tagged(Numbered numbered, TaskReads.Tags tags) {
            this.numbered = numbered;
            this.tags = tags;
        }

        long sequence() {
            return numbered.sequence();
        }

        TaskChanged change() {
            return numbered.change();
        }

        TaskReads.Tags tags() {
            return tags;
        }

        Change frame() {
            if (frame == null) {
                frame = new Change(eventId(sequence()), json.writeValueAsString(EventView.of(change(), tags)));
            }
            return frame;
        }
    }

    private List<Tagged> tagged(List<Numbered> changes) {
        var known = new HashMap<TaskId, TaskReads.Tags>();
        var unknown = new ArrayList<TaskId>();
        synchronized (tags) {
            for (var numbered : changes) {
                var id = numbered.change().id();
                var cached = tags.get(id);
                if (cached != null) {
                    known.put(id, cached);
                } else if (!known.containsKey(id)) {
                    unknown.add(id);
                }
            }
        }
        if (!unknown.isEmpty()) {
            var found = reads.tags(unknown);
            known.putAll(found);
            synchronized (tags) {
                tags.putAll(found);
            }
        }
        return changes.stream()
                .map(numbered ->
                        new Tagged(numbered, known.get(numbered.change().id())))
                .toList();
    }

    private List<Change> visible(List<Numbered> changes, EventFilter filter) {
        return tagged(changes).stream()
                .filter(change -> filter.matches(change.change().id(), change.tags()))
                .map(Tagged::frame)
                .toList();
    }

    private Reset reset(long last, String reason) {
        return new Reset(eventId(last), json.writeValueAsString(Map.of("reason", reason)));
    }

    private String eventId(long sequence) {
        return epoch + "-" + sequence;
    }

    private Optional<Long> sequenceOf(String eventId) {
        if (eventId == null || !eventId.startsWith(epoch + "-")) {
            return Optional.empty();
        }
        var sequence = eventId.substring(epoch.length() + 1);
        // Only as written (ASCII digits, no sign, no leading zero, within a long): Long.parseLong
        // also read "+84", "084" and other scripts' digits.
        boolean written = !sequence.isEmpty()
                && sequence.length() <= 18
                && sequence.chars().allMatch(c -> c >= '0' && c <= '9')
                && (sequence.length() == 1 || sequence.charAt(0) != '0');
        return written ? Optional.of(Long.parseLong(sequence)) : Optional.empty();
    }

    /** A task change as streamed: the task's id, its state as clients see it then, its tags, when. */
    record EventView(String id, String state, String handler, String pool, Map<String, String> labels, String at) {
        static EventView of(TaskChanged change, TaskReads.Tags tags) {
            var state = tags == null ? change.state() : change.state().observedAt(tags.runAt(), change.at());
            return new EventView(
                    change.id().toString(),
                    state.name(),
                    tags != null ? tags.handler() : change.handler(),
                    tags == null ? null : tags.pool(),
                    tags == null ? Map.of() : tags.labels(),
                    Timestamps.format(change.at()));
        }
    }

    @Override
    public void start() {
        if (writers.isShutdown()) {
            writers = Executors.newVirtualThreadPerTaskExecutor();
        }
        running = true;
        feeder = Thread.ofPlatform().name("tempora-events").daemon(true).start(this::feed);
    }

    @Override
    public void stop() {
        List<Subscriber> open;
        lock.lock();
        try {
            running = false;
            // Open streams would hold a graceful shutdown for their whole timeout: end them now.
            open = List.copyOf(subscribers);
            subscribers.clear();
        } finally {
            lock.unlock();
        }
        LockSupport.unpark(feeder);
        open.forEach(Subscriber::end);
        writers.shutdown();
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
