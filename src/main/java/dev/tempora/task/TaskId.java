package dev.tempora.task;

import java.time.Clock;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A task's id: a UUIDv7, so ids sort in submission order (newest-first listing and the
 * submission-order tie-break of the sched rule both rely on it).
 */
public record TaskId(UUID value) implements Comparable<TaskId> {

    /** Last issued (unix millis << 12 | sequence); makes ids from one process strictly increasing. */
    private static final AtomicLong LAST = new AtomicLong();

    public TaskId {
        if (value == null) {
            throw new IllegalArgumentException("value must not be null");
        }
    }

    /**
     * A new UUIDv7 (RFC 9562): 48 bits of unix milliseconds, then the 12-bit {@code rand_a} field
     * used as a counter within the millisecond (method 1 of RFC 9562 section 6.2), so ids issued
     * by one process are strictly monotonic even within a millisecond.
     */
    public static TaskId next(Clock clock) {
        long stamp = LAST.updateAndGet(last -> Math.max(last + 1, clock.millis() << 12));
        long millis = stamp >>> 12;
        long sequence = stamp & 0xFFF;
        long msb = (millis << 16) | 0x7000L | sequence;
        long lsb = (ThreadLocalRandom.current().nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new TaskId(new UUID(msb, lsb));
    }

    /** The id written as {@code text}, or empty when it is not an id at all. */
    public static Optional<TaskId> parse(String text) {
        if (text == null || text.length() != 36) {
            return Optional.empty();
        }
        try {
            return Optional.of(new TaskId(UUID.fromString(text)));
        } catch (IllegalArgumentException notAUuid) {
            return Optional.empty();
        }
    }

    @Override
    public int compareTo(TaskId other) {
        // UUID.compareTo compares signed longs; v7 ids must compare as unsigned to sort by time.
        int high = Long.compareUnsigned(value.getMostSignificantBits(), other.value.getMostSignificantBits());
        return high != 0
                ? high
                : Long.compareUnsigned(value.getLeastSignificantBits(), other.value.getLeastSignificantBits());
    }

    @Override
    public String toString() {
        return value.toString();
    }
}
