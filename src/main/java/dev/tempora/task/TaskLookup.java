package dev.tempora.task;

import java.util.Collection;
import java.util.List;
import org.springframework.stereotype.Component;

/** Reads tasks for other modules, in the caller's transaction if there is one. */
@Component
public class TaskLookup {

    private final TaskRepository tasks;

    TaskLookup(TaskRepository tasks) {
        this.tasks = tasks;
    }

    public List<Task> findAll(Collection<TaskId> ids) {
        return tasks.findAllById(ids.stream().map(TaskId::value).toList());
    }

    public boolean exists(TaskId id) {
        return tasks.existsById(id.value());
    }
}
