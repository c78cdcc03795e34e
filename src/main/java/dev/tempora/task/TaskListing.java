package dev.tempora.task;

import dev.tempora.support.JdbcTransactions;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The listing's queries, newest first, each read in the order of one index so that a page costs
 * its own rows, not the table's. H2 reads an index in order only when the {@code order by} names
 * the columns an equality fixes too ({@code order by state desc, id desc} for {@code state = ?}):
 * ordered by {@code id} alone, it read every task of the state, handler or label and sorted them,
 * 3.5 to 7 s a page over a million tasks.
 *
 * <p>One filter leads, the rest are checked on its rows: a label ({@code task_label_lookup}), the
 * handler ({@code task_handler_id}) or a state ({@code task_state_id}); of several, the one that
 * matches the fewest tasks ({@link #lead}); with none, the key. Several states and nothing else are
 * read one by one, in one snapshot, and merged. QUEUED alone is read through {@code task_due},
 * which holds it as a range of {@code run_at}: the due backlog is small next to the tasks
 * scheduled ahead.
 */
@Component
class TaskListing {

    /** How far each candidate filter's index is counted when several could lead. */
    static final int PROBED = 10_000;

    private final JdbcClient jdbc;
    private final JdbcTransactions transactions;

    TaskListing(JdbcClient jdbc, JdbcTransactions transactions) {
        this.jdbc = jdbc;
        this.transactions = transactions;
    }

    /** At most {@code query.limit() + 1} tasks, newest first, so that the caller knows if there are more. */
    List<Task> list(TaskQuery query, OffsetDateTime now) {
        var groups = stateGroups(query.states());
        if (groups.size() > 1 && query.labels().isEmpty() && query.handler() == null) {
            // Each state in the order of its own index, merged: an `or` of states has no index order.
            // In one snapshot: read one after another, a task moving from a state not read yet to one
            // read already was in neither, and the next page's cursor passed it by.
            var merged = transactions.readSnapshot(() -> {
                var all = new ArrayList<Task>();
                for (var group : groups) {
                    all.addAll(read(query, group, now));
                }
                return all;
            });
            merged.sort(Comparator.comparing((Task task) -> new TaskId(task.getId()))
                    .reversed());
            return merged.size() > query.limit() + 1 ? merged.subList(0, query.limit() + 1) : merged;
        }
        return read(query, query.states(), now);
    }

    private List<Task> read(TaskQuery query, Set<TaskState> states, OffsetDateTime now) {
        var labels = new ArrayList<>(query.labels());
        var statement = statement(query, states, now, labels, lead(query, labels, states, now));
        var tasks = jdbc.sql(statement.sql())
                .params(statement.params())
                .query(Task::fromRow)
                .list();
        TaskReads.addLabels(jdbc, tasks);
        return tasks;
    }

    /** A query and its parameters. */
    record Statement(String sql, Map<String, Object> params) {}

    /** The page's query with {@code lead} leading ({@code labels} in the order they are joined). */
    static Statement statement(
            TaskQuery query,
            Set<TaskState> states,
            OffsetDateTime now,
            List<Map.Entry<String, String>> labels,
            Lead lead) {
        var sql = new StringBuilder("select t.").append(TaskLookup.COLUMNS.replace(", ", ", t."));
        sql.append(" from task t");
        var where = new ArrayList<String>();
        var params = new HashMap<String, Object>();
        String order;
        String key = "t.id";
        if (lead == Lead.LABEL) {
            sql.append(" join task_label l0 on l0.task_id = t.id");
            order = "l0.label_key desc, l0.label_value desc, l0.task_id desc";
            key = "l0.task_id"; // the cursor as a range of the label's index
        } else if (lead == Lead.HANDLER) {
            order = "t.handler desc, t.id desc";
        } else if (lead == Lead.STATE && !states.equals(Set.of(TaskState.QUEUED))) {
            order = "t.state desc, t.id desc"; // one stored state
        } else {
            order = "t.id desc";
        }
        for (int i = 0; i < labels.size(); i++) {
            var pair = "l%d.label_key = :key%d and l%d.label_value = :value%d".formatted(i, i, i, i);
            where.add(
                    i == 0 && lead == Lead.LABEL
                            ? pair
                            : "exists (select 1 from task_label l%d where l%d.task_id = t.id and %s)"
                                    .formatted(i, i, pair));
            params.put("key" + i, labels.get(i).getKey());
            params.put("value" + i, labels.get(i).getValue());
        }
        if (query.handler() != null) {
            where.add("t.handler = :handler");
            params.put("handler", query.handler());
        }
        if (!states.isEmpty()) {
            where.add(statePredicate(states));
            params.put("now", now);
        }
        if (query.before() != null) {
            where.add(key + " < :before");
            params.put("before", query.before().value());
        }
        if (!where.isEmpty()) {
            sql.append(" where ").append(String.join(" and ", where));
        }
        sql.append(" order by ").append(order).append(" fetch first :limit rows only");
        params.put("limit", query.limit() + 1);
        return new Statement(sql.toString(), params);
    }

    enum Lead {
        LABEL,
        HANDLER,
        STATE,
        KEY
    }

    /**
     * Which filter leads: the one alone, or of several the one with the fewest tasks (older than the
     * cursor), counted up to {@link #PROBED} in each one's index. A page then reads at most about
     * that many rows unless every filter matches more. Where {@code labels} lead, the fewest first.
     */
    private Lead lead(
            TaskQuery query, List<Map.Entry<String, String>> labels, Set<TaskState> states, OffsetDateTime now) {
        var before = query.before() == null ? null : query.before().value();
        var candidates = EnumSet.noneOf(Lead.class);
        if (!labels.isEmpty()) {
            candidates.add(Lead.LABEL);
        }
        if (query.handler() != null) {
            candidates.add(Lead.HANDLER);
        }
        // Several stored states have no one index order: they are a filter then.
        if (stateGroups(states).size() == 1) {
            candidates.add(Lead.STATE);
        }
        if (candidates.isEmpty()) {
            return Lead.KEY;
        }
        if (candidates.size() == 1 && labels.size() < 2) {
            return candidates.iterator().next();
        }
        var counts = new EnumMap<Lead, Long>(Lead.class);
        if (!labels.isEmpty()) {
            var byLabel = new HashMap<Map.Entry<String, String>, Long>();
            for (var label : labels) {
                byLabel.put(
                        label,
                        probe(
                                "select 1 from task_label where label_key = :key and label_value = :value"
                                        + (before == null ? "" : " and task_id < :before"),
                                Map.of("key", label.getKey(), "value", label.getValue()),
                                before));
            }
            labels.sort(Comparator.comparing(byLabel::get));
            counts.put(Lead.LABEL, byLabel.get(labels.getFirst()));
        }
        if (query.handler() != null) {
            counts.put(
                    Lead.HANDLER,
                    probe(
                            "select 1 from task where handler = :handler" + (before == null ? "" : " and id < :before"),
                            Map.of("handler", query.handler()),
                            before));
        }
        if (candidates.contains(Lead.STATE)) {
            counts.put(
                    Lead.STATE,
                    probe(
                            "select 1 from task t where " + statePredicate(states)
                                    + (before == null ? "" : " and t.id < :before"),
                            Map.of("now", now),
                            before));
        }
        return counts.entrySet().stream()
                .min(Map.Entry.comparingByValue())
                .orElseThrow()
                .getKey();
    }

    /** How many rows {@code select} finds, counted up to {@link #PROBED}. */
    private long probe(String select, Map<String, Object> params, UUID before) {
        var all = new HashMap<>(params);
        all.put("probed", PROBED);
        if (before != null) {
            all.put("before", before);
        }
        return jdbc.sql("select count(*) from (" + select + " fetch first :probed rows only) probed")
                .params(all)
                .query(Long.class)
                .single();
    }

    /** The states asked for, in groups that one stored state holds: SCHEDULED and QUEUED together are one. */
    private static List<Set<TaskState>> stateGroups(Set<TaskState> states) {
        var groups = new ArrayList<Set<TaskState>>();
        var scheduled = EnumSet.noneOf(TaskState.class);
        for (var state : states) {
            if (state.stored() == TaskState.SCHEDULED) {
                scheduled.add(state);
            } else {
                groups.add(Set.of(state));
            }
        }
        if (!scheduled.isEmpty()) {
            groups.add(scheduled);
        }
        return groups;
    }

    /** States as clients see them: a stored SCHEDULED task is QUEUED once its time has come. */
    private static String statePredicate(Set<TaskState> states) {
        var any = new ArrayList<String>();
        boolean scheduled = states.contains(TaskState.SCHEDULED);
        boolean queued = states.contains(TaskState.QUEUED);
        if (scheduled && queued) {
            any.add("t.state = 'SCHEDULED'");
        } else if (scheduled) {
            any.add("t.state = 'SCHEDULED' and t.run_at > :now");
        } else if (queued) {
            any.add("t.state = 'SCHEDULED' and t.run_at <= :now");
        }
        for (var state : states) {
            if (state.stored() != TaskState.SCHEDULED) {
                any.add("t.state = '" + state.name() + "'"); // an enum's name: a constant the planner sees
            }
        }
        return any.size() == 1 ? "(" + any.getFirst() + ")" : "(" + String.join(" or ", any) + ")";
    }
}
