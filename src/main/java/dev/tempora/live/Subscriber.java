package dev.tempora.live;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.Executor;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * One open event stream. Frames wait in a bounded outbox and are written by a short-lived task
 * started only when there is something to write: no thread waits for an idle client, and a slow
 * client delays nobody else. A client that falls {@code maxPending} frames behind is disconnected;
 * its {@code EventSource} reconnects and resumes from its {@code Last-Event-ID}.
 */
final class Subscriber {

    /** What goes down the stream. */
    sealed interface Frame {}

    /** A task change: {@code event: task}, its id, its JSON. */
    record Change(String id, String json) implements Frame {}

    /** {@code event: reset}: changes were missed; the client should reload what it shows. */
    record Reset(String id, String json) implements Frame {}

    /** A comment line, such as a heartbeat. */
    record Comment(String text) implements Frame {}

    /** The first frame: a comment, and how soon to reconnect after the stream ends. */
    record Hello(String text, long reconnectMillis) implements Frame {}

    private final SseEmitter emitter;
    private final EventFilter filter;
    private final int maxPending;
    private final Executor writers;
    private final ArrayDeque<Frame> outbox = new ArrayDeque<>();

    /** The sequence number of the last change this stream has been given (replayed or live). */
    private long sentUpTo;

    /** Unregisters this stream: what the emitter's callbacks also do once its request ends. */
    private volatile Runnable gone = () -> {};

    private boolean held = true;
    private boolean writing;
    private boolean closed;

    Subscriber(SseEmitter emitter, EventFilter filter, int maxPending, Executor writers) {
        this.emitter = emitter;
        this.filter = filter;
        this.maxPending = maxPending;
        this.writers = writers;
    }

    /**
     * What to do once this stream is given up from this side (its client too far behind, or a write
     * failed): unregister it at once. The emitter's callbacks come only when its request ends, which
     * a client that stopped reading, or went away in the middle of a write, may hold off for good:
     * such a stream used to keep its place among {@code tempora.events.max-subscribers} forever.
     */
    void whenGone(Runnable gone) {
        this.gone = gone;
    }

    EventFilter filter() {
        return filter;
    }

    synchronized long sentUpTo() {
        return sentUpTo;
    }

    synchronized void sentUpTo(long sequence) {
        sentUpTo = sequence;
    }

    /** Queues a frame; false (and the stream is closed) if the client is too far behind. */
    boolean offer(Frame frame) {
        synchronized (this) {
            if (closed) {
                return false;
            }
            if (outbox.size() < maxPending) {
                outbox.add(frame);
                return true;
            }
            close();
        }
        gone.run();
        writers.execute(emitter::complete);
        return false;
    }

    /** Queues what must go before anything live (the replay), then lets writing start. */
    void release(List<Frame> first) {
        synchronized (this) {
            first.reversed().forEach(outbox::addFirst);
            held = false;
        }
        flush();
    }

    /** Starts writing what is queued, unless that is under way. */
    void flush() {
        synchronized (this) {
            if (held || writing || closed || outbox.isEmpty()) {
                return;
            }
            writing = true;
        }
        writers.execute(this::write);
    }

    synchronized void close() {
        closed = true;
        outbox.clear();
    }

    /** Ends the stream from this side (shutdown). */
    void end() {
        close();
        try {
            emitter.complete();
        } catch (IllegalStateException alreadyDone) {
            // nothing left to end
        }
    }

    private void write() {
        while (true) {
            Frame frame;
            synchronized (this) {
                frame = closed ? null : outbox.poll();
                if (frame == null) {
                    writing = false;
                    return;
                }
            }
            try {
                emitter.send(
                        switch (frame) {
                            case Change change ->
                                SseEmitter.event().id(change.id()).name("task").data(change.json());
                            case Reset reset ->
                                SseEmitter.event().id(reset.id()).name("reset").data(reset.json());
                            case Comment comment -> SseEmitter.event().comment(comment.text());
                            case Hello hello ->
                                SseEmitter.event().comment(hello.text()).reconnectTime(hello.reconnectMillis());
                        });
            } catch (IOException | IllegalStateException gone) {
                // The client went away (or the stream already ended).
                close();
                this.gone.run();
                try {
                    emitter.completeWithError(gone);
                } catch (IllegalStateException alreadyDone) {
                    // nothing left to end
                }
            }
        }
    }
}
