package dev.tempora.bench.peer;

import java.time.Duration;
import java.util.OptionalInt;

/**
 * How the throughput workload sizes one engine's N from its own warm-ups: N is the highest
 * warm-up rate times {@code target}, rounded, between {@code least} and {@code most}. No clock and
 * no engine here, so it is unit-tested.
 *
 * <p>An engine's first runs are its slowest (class loading, a cold JIT compiler, a new file), so a
 * short warm-up's rate underestimates the runs after it. So warm-ups go on, each at the N sized so
 * far, until one lasts at least {@link #LONG_ENOUGH} of the target, that is until the rate stops
 * growing by more than a quarter: N is then at most 1.25 times that warm-up's size, sized after
 * seconds of warming up. The highest rate, not the latest: a run is slowed by what else is on the
 * machine (another process, a collection), never sped up, so one slow warm-up does not shrink N.
 *
 * <p>A slow engine, whose first warm-up already sizes the least N, has one more as small and stops
 * (an engine's very first run can be that slow on a busy machine), so its two cost what one of half
 * the least N does; one whose first warm-up lasts long enough anyway (JobRunr polls every 5 s) has
 * only that one.
 *
 * <p>Settled N can still be far too small when the rate stays flat over two warm-ups and jumps only
 * after them (Tempora on H2: 4,210 and 4,234 tasks/s, then measured runs at 15,600 that lasted
 * 0.83 s of a 3 s target). A measured run that short is therefore taken as one more warm-up and
 * made again at the N its rate sizes ({@link #resized}): it costs the short run, where a second
 * long warm-up for every engine cost about 40 s of the default run.
 */
final class ThroughputSizing {

    /** The fraction of the target a warm-up must last for N to be settled. */
    static final double LONG_ENOUGH = 0.8;

    /** A measured run shorter than this fraction of the target was a warm-up after all ({@link #resized}). */
    static final double TOO_SHORT = 0.5;

    /** How many measured runs may turn out to be warm-ups, per engine. */
    static final int MAX_RESIZES = 2;

    private final int least;
    private final int most;
    private final Duration target;
    private double best = Double.NaN;
    private int warmUps;
    private int resizes;
    private OptionalInt next;

    /**
     * @param least the least N, and the N of every engine when {@code target} is zero
     * @param most the most N
     * @param target how long a measured run should last; zero for the same N for all (and one
     *     warm-up of half of it)
     */
    ThroughputSizing(int least, int most, Duration target) {
        this.least = least;
        this.most = Math.max(least, most);
        this.target = target;
        this.next = OptionalInt.of(Math.max(10, least / (target.isPositive() ? 4 : 2)));
    }

    /** The size of the next warm-up; empty once N is settled. */
    OptionalInt nextWarmUp() {
        return next;
    }

    /** Takes in a warm-up of {@code size} tasks that ran at {@code rate} tasks/s for {@code seconds}; NaN: it failed. */
    void warmedUp(int size, double rate, double seconds) {
        warmUps++;
        if (rate > best || Double.isNaN(best)) {
            best = rate;
        }
        int n = tasks();
        if (!target.isPositive()
                || Double.isNaN(rate)
                || seconds * 1e9 >= LONG_ENOUGH * target.toNanos()
                || size >= most) {
            next = OptionalInt.empty();
        } else if (n <= least) {
            next = warmUps == 1 ? OptionalInt.of(Math.min(size, least)) : OptionalInt.empty();
        } else {
            next = OptionalInt.of(n);
        }
    }

    /**
     * Takes in a measured run of {@code size} tasks at {@code rate} tasks/s that lasted {@code
     * seconds}, and returns the larger N to run it again at if it lasted less than {@link #TOO_SHORT}
     * of the target: the warm-ups' rate can stay flat for two of them and then jump (the JIT compiler
     * done with the engine's paths), leaving N sized for a third of the target. Such a run is then a
     * warm-up, not a measurement; at most {@link #MAX_RESIZES} times, so a run that stays short still
     * ends. Empty: the run stands.
     */
    OptionalInt resized(int size, double rate, double seconds) {
        if (!target.isPositive()
                || Double.isNaN(rate)
                || seconds * 1e9 >= TOO_SHORT * target.toNanos()
                || size >= most
                || resizes >= MAX_RESIZES
                || tasksFor(rate) <= size) {
            return OptionalInt.empty();
        }
        resizes++;
        best = Double.isNaN(best) ? rate : Math.max(best, rate);
        return OptionalInt.of(tasks());
    }

    /** N: enough to last the target at the highest warm-up rate, rounded up to two digits; the least without one. */
    int tasks() {
        return tasksFor(best);
    }

    int tasksFor(double rate) {
        if (!target.isPositive() || Double.isNaN(rate)) {
            return least;
        }
        double wanted = rate * target.toNanos() / 1e9;
        double step = Math.pow(10, Math.max(0, Math.floor(Math.log10(Math.max(1, wanted))) - 1));
        long rounded = Math.round(Math.ceil(wanted / step) * step);
        return Math.clamp(rounded, least, most);
    }
}
