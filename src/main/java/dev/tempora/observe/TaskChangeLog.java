package dev.tempora.observe;

import dev.tempora.support.TaskLogContext;
import dev.tempora.task.TaskChanged;
import dev.tempora.task.TaskListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * One DEBUG line per committed task state change, with the task id in the MDC ({@code taskId}),
 * whichever thread committed it. Failures are logged at WARN, with their reason, where they happen
 * (the worker, the timeout). Enable with {@code logging.level.dev.tempora.observe.TaskChangeLog=DEBUG}.
 */
@Component
class TaskChangeLog implements TaskListener {

    private static final Logger log = LoggerFactory.getLogger(TaskChangeLog.class);

    @Override
    public void changed(TaskChanged changed) {
        if (!log.isDebugEnabled()) {
            return;
        }
        TaskLogContext.about(changed.id(), () -> {
            if (changed.handler() == null) {
                log.debug("Task {} {}", changed.id(), changed.state());
            } else {
                log.debug("Task {} {} ({})", changed.id(), changed.state(), changed.handler());
            }
        });
    }
}
