package dev.tempora.bench.peer;

import static dev.tempora.bench.Stats.fmt;

import dev.tempora.bench.Stats.Summary;
import dev.tempora.bench.SubmitWorkload;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The Markdown table: one section per database, one column per engine, ratios next to the figures. */
final class PeerReport {

    /** Column order; engines a row has no figure for show "n/a". */
    static final List<String> ENGINES = List.of("tempora", "db-scheduler", "quartz", "jobrunr", "raw-sql", "bare-stpe");

    /** The groups of {@link dev.tempora.bench.ThreadCpu}, as the table names them. */
    private static final String THREAD_GROUPS =
            "engine and benchmark / H2 background writer / collector / JIT compiler / other JVM";

    /** Marks a figure from runs cut off at their time bound (see the footnote). */
    static final String CUT = "† ";

    private final PeerBenchmark.Config config;
    private final Map<String, List<String>> sections = new LinkedHashMap<>();

    PeerReport(PeerBenchmark.Config config) {
        this.config = config;
    }

    void failed(String database, String workload, String failure) {
        rows(database)
                .add("| %s: failed (%s) |%s"
                        .formatted(workload, failure.replace("|", "/"), " |".repeat(ENGINES.size())));
    }

    void skipped(String database, String reason) {
        rows(database).add("| skipped: " + reason + " |" + " |".repeat(ENGINES.size()));
    }

    @SuppressWarnings("unchecked")
    void throughput(String database, Map<String, Integer> tasks, Map<String, Object> figures) {
        var perSecond = (Map<String, Summary>) figures.get("tasks_per_s");
        var ratios = (Map<String, Summary>) figures.get("tempora_over_peer");
        var cut = (Map<String, Integer>) figures.get("runs_cut_at_bound");
        var target = config.throughputTarget();
        var sized = target.isPositive()
                ? ", sized from each engine's warm-ups to take ~%,d ms".formatted(target.toMillis())
                : "";
        var resized = (Map<String, Integer>) figures.getOrDefault("runs_taken_as_warm_ups", Map.of());
        var perRun = (Map<String, List<Integer>>) figures.getOrDefault("tasks_runs", Map.of());
        var counts = ENGINES.stream()
                .map(engine -> tasks.containsKey(engine) ? tasksCell(engine, tasks, perRun, resized) : "n/a")
                .toList();
        rows(database).add("| 1. N: tasks per run%s | %s |".formatted(sized, String.join(" | ", counts)));
        row(
                database,
                "1. Throughput run length (s), first submit to last durable completion",
                (Map<String, Summary>) figures.get("run_seconds"),
                null,
                cut);
        row(database, "1. Throughput, N zero-work tasks due now (tasks/s)", perSecond, null, cut);
        row(database, "1. Tempora ÷ engine (above 1: Tempora faster)", ratios, "—", cut);
        row(
                database,
                "1. JVM CPU per task (µs): all threads of the benchmark's JVM over N; H2 runs inside it, a"
                        + " PostgreSQL server does not",
                (Map<String, Summary>) figures.get("jvm_cpu_us_per_task"),
                null,
                cut);
        byGroupRow(database, "1. Of which, by thread (µs, medians)", figures.get("jvm_cpu_by_thread_us_per_task"));
        failures(database, "1.", (Map<String, String>) figures.get("failed_runs"));
    }

    /** An engine's N; each run's where they differ, and how many runs turned out to be warm-ups. */
    private static String tasksCell(
            String engine,
            Map<String, Integer> tasks,
            Map<String, List<Integer>> perRun,
            Map<String, Integer> resized) {
        var runs = perRun.getOrDefault(engine, List.of());
        var cell = runs.stream().distinct().count() > 1
                ? runs.stream().map("%,d"::formatted).collect(Collectors.joining(" / ")) + " (by run)"
                : "%,d".formatted(tasks.get(engine));
        return resized.containsKey(engine)
                ? cell + " (after %d run(s) under half the target, taken as warm-ups)".formatted(resized.get(engine))
                : cell;
    }

    @SuppressWarnings("unchecked")
    void lateness(String database, int perSecond, int group, int seconds, Map<String, Object> figures) {
        var load = "%d tasks/s in groups of %d for %d s, due %d ms after submit"
                .formatted(perSecond, group, seconds, PeerBenchmark.LEAD.toMillis());
        var cut = (Map<String, Integer>) figures.get("runs_cut_at_bound");
        row(database, "2. Lateness p50 (ms), " + load, (Map<String, Summary>) figures.get("p50_ms"), null, cut);
        row(database, "2. Lateness p99 (ms)", (Map<String, Summary>) figures.get("p99_ms"), null, cut);
        row(database, "2. Lateness max (ms)", (Map<String, Summary>) figures.get("max_ms"), null, cut);
        byGroupRow(
                database,
                "2. JVM CPU during a run, by thread (ms, medians)",
                figures.get("jvm_cpu_by_thread_ms_per_run"));
        row(
                database,
                "2. p99: Tempora ÷ engine (below 1: Tempora less late)",
                (Map<String, Summary>) figures.get("p99_tempora_over_peer"),
                "—",
                cut);
        failures(database, "2.", (Map<String, String>) figures.get("failed_runs"));
    }

    void submit(String database, int tasks, int clients, SubmitWorkload.Result result) {
        var cells = new ArrayList<String>();
        cells.add("HTTP %s; in-process %s; HTTP ÷ in-process %s"
                .formatted(result.http(), result.inProcess(), result.ratio()));
        for (int i = 1; i < ENGINES.size(); i++) {
            cells.add("n/a (no HTTP API)");
        }
        rows(database)
                .add("| 3. Submit, %,d tasks, %d keep-alive connections (tasks/s) | %s |"
                        .formatted(tasks, clients, String.join(" | ", cells)));
    }

    @SuppressWarnings("unchecked")
    void future(String database, int tasks, Map<String, Object> figures) {
        var insert = new ArrayList<String>();
        var heap = new ArrayList<String>();
        var lateness = new ArrayList<String>();
        for (var engine : ENGINES) {
            var f = (Map<String, Object>) figures.get(engine);
            if (f == null) {
                insert.add("n/a (not durable)");
                heap.add("n/a");
                lateness.add("n/a");
                continue;
            }
            int inserted = (int) f.get("inserted");
            double seconds = (double) f.get("insert_seconds");
            var rates = (List<Double>) f.get("insert_tasks_per_s_turns");
            var turns = rates.isEmpty() ? "n/a" : Summary.of(rates).toString(); // --future-tasks=0
            insert.add(
                    (boolean) f.get("complete")
                            ? "%s s (%s/s; by turn %s)".formatted(fmt(seconds), fmt(inserted / seconds), turns)
                            : "not within the bound: %,d in %s s (%s/s; by turn %s), all would take ~%s s"
                                    .formatted(inserted, fmt(seconds), fmt(inserted / seconds), turns, fmt((double)
                                            f.get("projected_seconds_for_all"))));
            heap.add(fmt((double) f.get("heap_delta_mb")));
            lateness.add(((boolean) f.get("lateness_cut_at_bound") ? CUT : "")
                    + "%s / %s / %s"
                            .formatted(
                                    fmt((double) f.get("lateness_p50_ms")),
                                    fmt((double) f.get("lateness_p99_ms")),
                                    fmt((double) f.get("lateness_max_ms"))));
        }
        var rows = rows(database);
        rows.add("| 4. %,d tasks %d h ahead: insert (budget %d s, in %d turns) | %s |"
                .formatted(
                        tasks,
                        PeerBenchmark.BACKLOG_AHEAD.toHours(),
                        config.futureBudget().toSeconds(),
                        config.repetitions(),
                        String.join(" | ", insert)));
        row(
                database,
                "4. Insert rate: Tempora ÷ engine, paired by turn (above 1: Tempora faster)",
                (Map<String, Summary>) figures.get("insert_rate_tempora_over_peer"),
                "—",
                Map.of());
        rows.add("| 4. Heap held after insert, after GC (MB) | " + String.join(" | ", heap) + " |");
        rows.add("| 4. Lateness meanwhile (every engine's backlog in place), p50 / p99 / max (ms), one run | "
                + String.join(" | ", lateness) + " |");
        failures(database, "4.", (Map<String, String>) figures.get("failed_runs"));
        rows.add("| 5. Webhooks | see TemporaBenchmark |" + " n/a (no webhooks) |".repeat(ENGINES.size() - 1));
    }

    /** Runs that threw are left out of the figures above; say which and why. */
    private void failures(String database, String workload, Map<String, String> failed) {
        failed.forEach((engine, failure) -> rows(database)
                .add("| %s %s failed a run, left out of its figures: %s |%s"
                        .formatted(workload, engine, failure.replace("|", "/"), " |".repeat(ENGINES.size()))));
    }

    private void row(
            String database, String label, Map<String, Summary> figures, String missing, Map<String, Integer> cut) {
        var cells = new ArrayList<String>();
        for (var engine : ENGINES) {
            var figure = figures.get(engine);
            var mark = cut.containsKey(engine) ? CUT : "";
            cells.add(figure == null ? (missing == null ? "n/a" : missing) : mark + figure);
        }
        rows(database).add("| " + label + " | " + String.join(" | ", cells) + " |");
    }

    /** A row of figures by group of threads: per engine, the medians of its groups, or n/a. */
    @SuppressWarnings("unchecked")
    private void byGroupRow(String database, String label, Object figures) {
        var byThread = (Map<String, Map<String, Summary>>) figures;
        var cells = ENGINES.stream()
                .map(engine -> byThread.containsKey(engine)
                        ? byThread.get(engine).values().stream()
                                .map(summary -> fmt(summary.median()))
                                .collect(Collectors.joining(" / "))
                        : "n/a")
                .collect(Collectors.joining(" | "));
        rows(database).add("| " + label + ": " + THREAD_GROUPS + " | " + cells + " |");
    }

    private List<String> rows(String database) {
        return sections.computeIfAbsent(database, k -> new ArrayList<>());
    }

    String markdown(Map<String, Object> results) {
        var out = new StringBuilder();
        out.append("\n## Peer benchmark, ").append(results.get("date")).append('\n');
        out.append("Machine: ").append(results.get("machine")).append(". ");
        out.append("%d workers per engine, %d connections per engine; median (min..max) of %d runs.\n"
                .formatted(config.threads(), BenchDatabase.POOL_SIZE, config.repetitions()));
        sections.forEach((database, rows) -> {
            out.append("\n### ").append(database).append("\n\n| Workload | ");
            out.append(String.join(" | ", ENGINES)).append(" |\n|---|");
            out.append("---|".repeat(ENGINES.size())).append('\n');
            rows.forEach(row -> out.append(row).append('\n'));
        });
        out.append("\n† Some runs hit the %d s bound: throughput is what ran within it; lateness counts tasks"
                        .formatted(config.runBound().toSeconds()))
                .append(" not yet started as starting at the bound (a lower bound); an engine's run at the bound")
                .append(
                        " is its last of that workload (the next would only take the bound again). n/a: not applicable.\n");
        return out.toString();
    }
}
