package dev.tempora.bench.peer;

import java.time.Duration;
import java.util.OptionalInt;

/**
 * How the throughput workload sizes an engine's N from its own warm-ups: N is the latest warm-up's
 * rate times {@code target}, rounded, between {@code least} and {@code most}. Pure (no clock, no
 * engine), so it is unit-tested.
 *
 * <p>An engine's first runs are its slowest (class loading, a cold JIT compiler, a new file), so a
 * short warm-up's rate underestimates the runs after it. So warm-ups go on, each at the N the one
 * before sized, until one lasts at least {@link #LONG_ENOUGH} of the target: N is then at most
 * 1.25 times that warm-up's size, and its rate comes after seconds of warming up. A slow
 * engine, whose first warm-up already sizes the least N, has one more as small and stops (an
 * engine's very first run can be that slow on a busy machine), so its two cost what one of half
 * the least N does; one whose first warm-up lasts long enough (JobRunr polls every 5 s) has one.
 *
 * @param least the least N, and the N of every engine when {@code target} is zero
 * @param most the most N
 * @param target how long a measured run should last; zero for the same N for all
 */
record ThroughputSizing(int least, int most, Duration target) {

    /** The fraction of the target a warm-up must last for its rate to size N. */
    static final double LONG_ENOUGH = 0.8;

    /** The first warm-up's size: a quarter of the least N (half when there is no target: one warm-up). */
    int firstWarmUp() {
        return Math.max(10, least / (target.isPositive() ? 4 : 2));
    }

    /** N for an engine that did {@code rate} tasks/s: enough to last the target, rounded up to two digits. */
    int tasksFor(double rate) {
        if (!target.isPositive() || Double.isNaN(rate)) {
            return least;
        }
        double wanted = rate * target.toNanos() / 1e9;
        double step = Math.pow(10, Math.max(0, Math.floor(Math.log10(Math.max(1, wanted))) - 1));
        long rounded = Math.round(Math.ceil(wanted / step) * step);
        return Math.clamp(rounded, least, Math.max(least, most));
    }

    /**
     * The size of the warm-up that follows one of {@code size} tasks at {@code rate} tasks/s over
     * {@code seconds}; empty when N is settled ({@link #tasksFor} of that rate). {@code first}: it
     * was the engine's first warm-up. A warm-up that failed (rate NaN) settles N at the least.
     */
    OptionalInt nextWarmUp(int size, double rate, double seconds, boolean first) {
        if (!target.isPositive()
                || Double.isNaN(rate)
                || seconds * 1e9 >= LONG_ENOUGH * target.toNanos()
                || size >= most) {
            return OptionalInt.empty();
        }
        int n = tasksFor(rate);
        if (n <= least) {
            return first ? OptionalInt.of(Math.min(size, least)) : OptionalInt.empty();
        }
        return OptionalInt.of(n);
    }
}
