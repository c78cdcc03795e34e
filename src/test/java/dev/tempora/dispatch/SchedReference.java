package dev.tempora.dispatch;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * A plain model of Python's {@code sched.scheduler}: {@code enterabs(time, priority, action)}
 * pushes an event (time, priority, sequence) on a heap; {@code run()} repeatedly looks at the
 * smallest, sleeps until its time, pops it and runs it. Time here is virtual and actions take no
 * time, as in the premise of the sched rule ("tasks that each finish before the next one is due").
 */
final class SchedReference {

    private record Event(long time, int priority, long sequence, String name) {}

    private final PriorityQueue<Event> queue = new PriorityQueue<>((a, b) -> {
        int byTime = Long.compare(a.time, b.time);
        if (byTime != 0) {
            return byTime;
        }
        int byPriority = Integer.compare(a.priority, b.priority);
        return byPriority != 0 ? byPriority : Long.compare(a.sequence, b.sequence);
    });
    private long sequence;
    private long now;

    void enterabs(long time, int priority, String name) {
        queue.add(new Event(time, priority, sequence++, name));
    }

    /** Runs every event; returns the names in the order their actions ran. */
    List<String> run() {
        var ran = new ArrayList<String>();
        while (!queue.isEmpty()) {
            var next = queue.peek();
            if (next.time > now) {
                now = next.time; // delayfunc(time - now)
            } else {
                queue.poll();
                ran.add(next.name);
            }
        }
        return ran;
    }
}
