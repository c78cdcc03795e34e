package dev.tempora.task.web;

import dev.tempora.dispatch.WorkerPools;
import dev.tempora.handler.HandlerRegistry;
import dev.tempora.handler.InvalidArgumentsException;
import dev.tempora.outbound.OutboundPolicy;
import dev.tempora.support.Durations;
import dev.tempora.support.FieldProblem;
import dev.tempora.support.InvalidRequestException;
import dev.tempora.support.JsonText;
import dev.tempora.support.RequestBodies;
import dev.tempora.support.StorableText;
import dev.tempora.support.Timestamps;
import dev.tempora.task.NewTask;
import dev.tempora.task.Task;
import dev.tempora.task.TaskEvent;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.NullNode;

/**
 * Reads a submission, checking every field and reporting all problems at once, each naming its
 * field. Unknown fields are refused too: a misspelt {@code "runat"} must not silently mean "now".
 */
@Component
class SubmitRequestParser {

    private static final Set<String> FIELDS = Set.of(
            "handler",
            "args",
            "delay",
            "runAt",
            "priority",
            "timeout",
            "callbackUrl",
            "callbackEvents",
            "pool",
            "labels");

    /** The most submissions one batch may hold. */
    static final int MAX_BATCH = 1000;

    private final HandlerRegistry handlers;
    private final WorkerPools pools;
    private final OutboundPolicy outbound;
    private final ObjectMapper json;

    SubmitRequestParser(HandlerRegistry handlers, WorkerPools pools, OutboundPolicy outbound, ObjectMapper json) {
        this.handlers = handlers;
        this.pools = pools;
        this.outbound = outbound;
        this.json = json;
    }

    NewTask parse(JsonNode body) {
        var problems = RequestBodies.unknownFields(body, FIELDS);
        var args = body.get("args") == null ? NullNode.getInstance() : body.get("args");
        var handler = handler(body.get("handler"), args, problems);
        var delay = delay(body.get("delay"), problems);
        var runAt = runAt(body.get("runAt"), problems);
        if (delay != null && runAt != null) {
            problems.add(new FieldProblem("runAt", "cannot be given with delay: give one of them"));
        }
        var priority = priority(body.get("priority"), problems);
        var timeout = timeout(body.get("timeout"), problems);
        var callbackUrl = callbackUrl(body.get("callbackUrl"), problems);
        var pool = pool(body.get("pool"), problems);
        var labels = labels(body.get("labels"), problems);
        var callbackEvents = callbackEvents(body.get("callbackEvents"), problems);
        if (callbackEvents != null && callbackUrl == null) {
            problems.add(new FieldProblem("callbackEvents", "needs a callbackUrl"));
        }
        var argsJson = args.isNull() ? null : json.writeValueAsString(args);
        // U+0000 is written escaped; a surrogate without its pair is not, and PostgreSQL would keep a '?'.
        if (!StorableText.storable(argsJson)) {
            problems.add(new FieldProblem("args", "must not hold a surrogate without its pair (half a character)"));
        } else if (argsJson != null && argsJson.length() > JsonText.MAX_CHARS) {
            // Numbers are kept as written, in their canonical form: 1e9 is stored as 1E+9.
            problems.add(new FieldProblem(
                    "args", "is over " + JsonText.MAX_CHARS + " characters as stored (" + argsJson.length() + ")"));
        } else if (argsJson != null && JsonText.depth(argsJson) > JsonText.MAX_DEPTH) {
            problems.add(
                    new FieldProblem("args", "must not nest arrays and objects over " + JsonText.MAX_DEPTH + " deep"));
        }
        if (!problems.isEmpty()) {
            throw new InvalidRequestException(problems);
        }
        return new NewTask(
                handler, argsJson, delay, runAt, priority, timeout, callbackUrl, pool, labels, callbackEvents);
    }

    /**
     * Reads a batch, {@code {"tasks": [submission, ...]}} with 1 to {@link #MAX_BATCH} of them: every
     * problem of every submission at once, each field named by the submission's place
     * ({@code tasks[2].delay}), so that none is stored unless all can be.
     */
    List<NewTask> parseBatch(JsonNode body) {
        var problems = RequestBodies.unknownFields(body, Set.of("tasks"));
        var submissions = body.get("tasks");
        if (submissions == null || !submissions.isArray() || submissions.isEmpty() || submissions.size() > MAX_BATCH) {
            problems.add(new FieldProblem("tasks", "must be an array of 1 to " + MAX_BATCH + " submissions"));
            throw new InvalidRequestException(problems);
        }
        var batch = new ArrayList<NewTask>(submissions.size());
        for (int i = 0; i < submissions.size(); i++) {
            var place = "tasks[" + i + "]";
            if (!submissions.get(i).isObject()) {
                problems.add(new FieldProblem(place, "must be a JSON object: a submission"));
                continue;
            }
            try {
                batch.add(parse(submissions.get(i)));
            } catch (InvalidRequestException invalid) {
                for (var problem : invalid.problems()) {
                    problems.add(new FieldProblem(place + "." + problem.field(), problem.message()));
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidRequestException(problems);
        }
        return batch;
    }

    private static Set<TaskEvent> callbackEvents(JsonNode node, List<FieldProblem> problems) {
        if (node == null || node.isNull()) {
            return null;
        }
        var known = Arrays.stream(TaskEvent.values()).map(TaskEvent::type).toList();
        if (!node.isArray()) {
            problems.add(new FieldProblem("callbackEvents", "must be an array of " + known));
            return null;
        }
        if (node.isEmpty()) {
            // Stored as none, it read back as the default: the callback heard of every end.
            problems.add(new FieldProblem(
                    "callbackEvents", "must name at least one of " + known + " (omit it for the three ends)"));
            return null;
        }
        var events = EnumSet.noneOf(TaskEvent.class);
        for (int i = 0; i < node.size(); i++) {
            var item = node.get(i);
            var event = item.isString() ? TaskEvent.ofType(item.asString()) : Optional.<TaskEvent>empty();
            if (event.isEmpty()) {
                problems.add(
                        new FieldProblem("callbackEvents[" + i + "]", "%s is not one of %s".formatted(item, known)));
                return null;
            }
            events.add(event.get());
        }
        return events;
    }

    private String handler(JsonNode node, JsonNode args, List<FieldProblem> problems) {
        if (node == null || node.isNull()) {
            problems.add(new FieldProblem("handler", "is required"));
            return null;
        }
        if (!node.isString()) {
            problems.add(new FieldProblem("handler", "must be a string"));
            return null;
        }
        var handler = handlers.find(node.asString());
        if (handler.isEmpty()) {
            problems.add(new FieldProblem(
                    "handler",
                    "'%s' is not a registered handler (see GET /api/v1/handlers)".formatted(node.asString())));
            return null;
        }
        try {
            handler.get().validate(args);
        } catch (InvalidArgumentsException invalid) {
            problems.add(new FieldProblem(invalid.field(), invalid.getMessage()));
        }
        return node.asString();
    }

    private static Duration delay(JsonNode node, List<FieldProblem> problems) {
        var delay = duration("delay", node, problems);
        if (delay != null && delay.isNegative()) {
            problems.add(new FieldProblem("delay", "must be >= 0"));
            return null;
        }
        return delay;
    }

    /** Rounded up to the millisecond, as it is stored: a timeout is never shorter than asked. */
    private static Duration timeout(JsonNode node, List<FieldProblem> problems) {
        var timeout = duration("timeout", node, problems);
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            problems.add(new FieldProblem("timeout", "must be > 0"));
            return null;
        }
        if (timeout == null || timeout.getNano() % 1_000_000 == 0) {
            return timeout;
        }
        return timeout.truncatedTo(ChronoUnit.MILLIS).plusMillis(1);
    }

    private static Duration duration(String field, JsonNode node, List<FieldProblem> problems) {
        if (node == null || node.isNull()) {
            return null;
        }
        try {
            return Durations.fromJson(node);
        } catch (IllegalArgumentException invalid) {
            problems.add(new FieldProblem(field, invalid.getMessage()));
            return null;
        }
    }

    private static Instant runAt(JsonNode node, List<FieldProblem> problems) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isString()) {
            problems.add(new FieldProblem("runAt", "must be an RFC 3339 timestamp string"));
            return null;
        }
        try {
            return Timestamps.parse(node.asString());
        } catch (IllegalArgumentException invalid) {
            problems.add(new FieldProblem("runAt", invalid.getMessage()));
            return null;
        }
    }

    private static int priority(JsonNode node, List<FieldProblem> problems) {
        if (node == null || node.isNull()) {
            return 0;
        }
        var priority = RequestBodies.intValue(node);
        if (priority.isEmpty()) {
            problems.add(new FieldProblem("priority", "must be an integer (32-bit); lower runs first"));
            return 0;
        }
        return priority.getAsInt();
    }

    private URI callbackUrl(JsonNode node, List<FieldProblem> problems) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isString()) {
            problems.add(new FieldProblem("callbackUrl", "must be an absolute http or https URL"));
            return null;
        }
        if (!StorableText.storable(node.asString())) {
            problems.add(new FieldProblem("callbackUrl", "must not contain " + StorableText.UNSTORABLE));
            return null;
        }
        try {
            var url = new URI(node.asString());
            var refusal = outbound.refuseUrl(url);
            if (refusal.isPresent()) {
                problems.add(new FieldProblem("callbackUrl", refusal.get()));
                return null;
            }
            if (node.asString().length() > 2048) {
                problems.add(new FieldProblem("callbackUrl", "must be at most 2048 characters"));
                return null;
            }
            return url;
        } catch (URISyntaxException malformed) {
            problems.add(new FieldProblem("callbackUrl", "is not a valid URL: " + malformed.getReason()));
            return null;
        }
    }

    private String pool(JsonNode node, List<FieldProblem> problems) {
        if (node == null || node.isNull()) {
            return WorkerPools.DEFAULT;
        }
        if (!node.isString()) {
            problems.add(new FieldProblem("pool", "must be a string: the name of a configured pool"));
            return WorkerPools.DEFAULT;
        }
        if (!pools.exists(node.asString())) {
            problems.add(new FieldProblem(
                    "pool", "'%s' is not a configured pool (see GET /api/v1/pools)".formatted(node.asString())));
            return WorkerPools.DEFAULT;
        }
        return node.asString();
    }

    private static Map<String, String> labels(JsonNode node, List<FieldProblem> problems) {
        var labels = new LinkedHashMap<String, String>();
        if (node == null || node.isNull()) {
            return labels;
        }
        if (!node.isObject()) {
            problems.add(new FieldProblem("labels", "must be an object of string values"));
            return labels;
        }
        if (node.size() > Task.MAX_LABELS) {
            problems.add(new FieldProblem("labels", "at most " + Task.MAX_LABELS + " labels"));
            return labels;
        }
        for (var label : node.properties()) {
            // An empty name would make the field "labels.", which names nothing.
            var field = label.getKey().isEmpty() ? "labels" : "labels." + label.getKey();
            if (label.getKey().isEmpty()
                    || label.getKey().length() > 200
                    || label.getKey().contains(":")
                    || !StorableText.storable(label.getKey())) {
                problems.add(new FieldProblem(
                        field, "names must be 1 to 200 characters, without ':', " + StorableText.UNSTORABLE));
            } else if (!label.getValue().isString()
                    || label.getValue().asString().length() > 1000
                    || !StorableText.storable(label.getValue().asString())) {
                problems.add(new FieldProblem(
                        field, "must be a string of at most 1000 characters, without " + StorableText.UNSTORABLE));
            } else {
                labels.put(label.getKey(), label.getValue().asString());
            }
        }
        return labels;
    }
}
