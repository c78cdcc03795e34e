package dev.tempora.webhook;

import dev.tempora.support.Timestamps;
import dev.tempora.task.Durability;
import dev.tempora.task.TaskEvent;
import dev.tempora.task.TaskId;
import dev.tempora.task.TaskLookup;
import dev.tempora.task.Transition;
import dev.tempora.task.TransitionHook;
import dev.tempora.task.web.TaskView;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import tools.jackson.databind.ObjectMapper;

/**
 * The outbox: in the very transaction that moves a task into a state its callback listens for, a
 * delivery row with the event's body. The event therefore exists exactly when the state change
 * does; sending starts once the transaction has committed.
 */
@Component
class WebhookOutbox implements TransitionHook {

    private static final Logger log = LoggerFactory.getLogger(WebhookOutbox.class);

    private final TaskLookup tasks;
    private final DeliveryStore deliveries;
    private final WebhookSender sender;
    private final ObjectMapper json;
    private final Clock clock;
    private final Durability durability;

    WebhookOutbox(
            TaskLookup tasks,
            DeliveryStore deliveries,
            WebhookSender sender,
            ObjectMapper json,
            Clock clock,
            Durability durability) {
        this.tasks = tasks;
        this.deliveries = deliveries;
        this.sender = sender;
        this.json = json;
        this.clock = clock;
        this.durability = durability;
    }

    @Override
    public void applied(List<Transition> applied) {
        var events = new HashMap<TaskId, TaskEvent>();
        for (var transition : applied) {
            TaskEvent.of(transition.to()).ifPresent(event -> events.put(transition.id(), event));
        }
        if (events.isEmpty()) {
            return;
        }
        // As the database stores it, and so as the task's timestamps in data are written: the event's
        // timestamp is then exactly the delivery's createdAt, not a moment finer than any of them.
        var now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        var created = new ArrayList<Delivery>();
        for (var task : tasks.findAll(events.keySet())) {
            var event = events.get(task.id());
            if (task.callbackUrl().isEmpty() || !task.callbackEvents().contains(event)) {
                continue;
            }
            var body = new LinkedHashMap<String, Object>();
            body.put("type", event.type());
            body.put("timestamp", Timestamps.format(now));
            body.put("data", TaskView.of(task, now, json));
            created.add(new Delivery(
                    TaskId.next(clock).value(),
                    task.getId(),
                    event.type(),
                    task.callbackUrl().get(),
                    json.writeValueAsString(body),
                    Delivery.PENDING,
                    0,
                    now,
                    now,
                    null));
        }
        if (created.isEmpty()) {
            return;
        }
        deliveries.insert(created);
        var urls = new LinkedHashMap<UUID, String>();
        created.forEach(delivery -> urls.put(delivery.id(), delivery.url()));
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                // Nothing is sent before the event is in the database file: a receiver never hears
                // of an event that a crash could take back. The committing thread (the outcome
                // writer) goes on meanwhile.
                durability.flushSoon().whenComplete((flushed, failed) -> {
                    if (failed == null) {
                        sender.sendSoon(urls, now);
                    } else {
                        log.warn("Webhook deliveries wait for the next load: {}", failed.toString());
                    }
                });
            }
        });
    }
}
