package dev.tempora.webhook;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Semaphore;

/**
 * The deliveries that are due and wait for a place among the attempts in flight: each receiver's
 * in the order they came due, the receivers taken in turn, and no receiver given more than its
 * share of places. A receiver that hangs then holds its share, not every place, and a receiver with
 * a backlog of thousands does not keep another's one delivery waiting behind all of them.
 * Thread-safe.
 */
final class WaitingDeliveries {

    /** A delivery given a place: sent to {@code receiver}, found due at {@code due}. */
    record Placed(UUID id, Instant due, String receiver) {}

    private final int most;
    private final int perReceiver;
    private final Map<UUID, Placed> byId = new HashMap<>();
    /** Each receiver's waiting deliveries, oldest first; the receivers in the order of their turns. */
    private final LinkedHashMap<String, ArrayDeque<UUID>> queues = new LinkedHashMap<>();
    /** Places held, by receiver: taken here, given back by {@link #ended}. */
    private final Map<String, Integer> open = new HashMap<>();

    /**
     * @param most the most that may wait; more are refused (and stay in the database)
     * @param perReceiver the most places one receiver may hold
     */
    WaitingDeliveries(int most, int perReceiver) {
        this.most = most;
        this.perReceiver = perReceiver;
    }

    /**
     * The receiver a delivery to {@code url} goes to, as places are shared: its scheme, host and
     * port.
     */
    static String receiver(String url) {
        try {
            var uri = URI.create(url);
            if (uri.getHost() != null && uri.getScheme() != null) {
                var scheme = uri.getScheme().toLowerCase(Locale.ROOT);
                int port = uri.getPort() != -1 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
                return scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + ":" + port;
            }
        } catch (IllegalArgumentException notAUri) {
            // sending it fails, and records why; it waits as a receiver of its own meanwhile
        }
        return url;
    }

    /**
     * Whether it was added: not when {@code most} wait, nor when it waits already (found due again,
     * it keeps its place, and the later of the two times it was found due).
     */
    synchronized boolean add(UUID id, String url, Instant due) {
        var waiting = byId.get(id);
        if (waiting != null) {
            if (due.isAfter(waiting.due())) {
                byId.put(id, new Placed(id, due, waiting.receiver()));
            }
            return false;
        }
        if (byId.size() >= most) {
            return false;
        }
        var placed = new Placed(id, due, receiver(url));
        byId.put(id, placed);
        queues.computeIfAbsent(placed.receiver(), receiver -> new ArrayDeque<>())
                .add(id);
        return true;
    }

    synchronized boolean contains(UUID id) {
        return byId.containsKey(id);
    }

    synchronized int size() {
        return byId.size();
    }

    /**
     * Gives places to waiting deliveries, one of {@code places}' permits each, while there are
     * permits: one receiver's at a time, in turn, each receiver's oldest first, none beyond its share.
     */
    synchronized List<Placed> take(Semaphore places) {
        var taken = new ArrayList<Placed>();
        boolean more = true;
        while (more) {
            more = false;
            var served = new ArrayList<Map.Entry<String, ArrayDeque<UUID>>>();
            try {
                for (var turn = queues.entrySet().iterator(); turn.hasNext(); ) {
                    var queue = turn.next();
                    if (open.getOrDefault(queue.getKey(), 0) >= perReceiver) {
                        continue;
                    }
                    if (!places.tryAcquire()) {
                        return taken;
                    }
                    var placed = byId.remove(queue.getValue().poll());
                    open.merge(placed.receiver(), 1, Integer::sum);
                    taken.add(placed);
                    more = true;
                    turn.remove(); // its next turn comes after the others'
                    if (!queue.getValue().isEmpty()) {
                        served.add(queue);
                    }
                }
            } finally {
                served.forEach(queue -> queues.put(queue.getKey(), queue.getValue()));
            }
        }
        return taken;
    }

    /** A place taken for {@code receiver} is free again (its permit is the caller's to release). */
    synchronized void ended(String receiver) {
        open.computeIfPresent(receiver, (key, held) -> held == 1 ? null : held - 1);
    }

    /** Forgets the waiting; the places held stay held until they end. */
    synchronized void clear() {
        byId.clear();
        queues.clear();
    }
}
