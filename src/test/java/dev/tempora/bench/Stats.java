package dev.tempora.bench;

import java.util.Arrays;
import java.util.List;

/** Percentiles and medians for benchmark samples. */
public final class Stats {

    private Stats() {}

    public static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.clamp(index, 0, sorted.length - 1)];
    }

    public static double[] sorted(double[] values) {
        var copy = values.clone();
        Arrays.sort(copy);
        return copy;
    }

    /** Median, min and max of repeated measurements. */
    public record Summary(double median, double min, double max) {
        public static Summary of(List<Double> runs) {
            var values = sorted(runs.stream().mapToDouble(Double::doubleValue).toArray());
            double median = values.length % 2 == 1
                    ? values[values.length / 2]
                    : (values[values.length / 2 - 1] + values[values.length / 2]) / 2;
            return new Summary(median, values[0], values[values.length - 1]);
        }

        @Override
        public String toString() {
            return "%s (%s..%s)".formatted(fmt(median), fmt(min), fmt(max));
        }
    }

    public static String fmt(double value) {
        if (Double.isNaN(value)) {
            return "n/a";
        }
        return Math.abs(value) >= 100 ? String.format("%,.0f", value) : String.format("%.2f", value);
    }
}
