package dev.tempora.task;

import dev.tempora.support.InvalidRequestException;
import dev.tempora.support.StorableText;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The {@code label=key:value} filter of the task list and the event stream. It is repeatable and
 * every label given must match: a set of pairs, not a map by key, so two values of one key match
 * nothing (a task has one value per key) instead of the last one alone counting.
 */
public final class LabelFilter {

    private LabelFilter() {}

    /**
     * The pairs of {@code label} parameters, in order, without repeats. Give each value as sent
     * ({@code getParameterValues}): Spring's conversion of one parameter to a list splits it at
     * commas, which a label may hold, and trims it, even of U+0000.
     *
     * @throws InvalidRequestException on {@code label} when one is not {@code key:value} or holds U+0000,
     *     or when there are more pairs than a task has labels
     */
    public static Set<Map.Entry<String, String>> parse(String @Nullable [] pairs) {
        var labels = new LinkedHashSet<Map.Entry<String, String>>();
        for (var pair : pairs == null ? new String[0] : pairs) {
            int colon = pair.indexOf(':');
            if (colon <= 0) {
                throw new InvalidRequestException("label", "must be key:value, got '%s'".formatted(pair));
            }
            if (!StorableText.storable(pair)) {
                throw new InvalidRequestException("label", "must not contain " + StorableText.UNSTORABLE);
            }
            labels.add(Map.entry(pair.substring(0, colon), pair.substring(colon + 1)));
        }
        // Each pair is a join in the task list's query, and the database's planning time grows far
        // faster than the pairs (200 took 9 s on H2). More pairs than a task has labels match nothing.
        if (labels.size() > Task.MAX_LABELS) {
            throw new InvalidRequestException(
                    "label",
                    "at most %d different key:value pairs (a task has at most %d labels)"
                            .formatted(Task.MAX_LABELS, Task.MAX_LABELS));
        }
        return labels;
    }

    /** Whether {@code labels}, a task's, hold every one of {@code filter}. */
    public static boolean matches(Set<Map.Entry<String, String>> filter, Map<String, String> labels) {
        return labels.entrySet().containsAll(filter);
    }
}
