package dev.tempora;

import dev.tempora.handler.TaskContext;
import dev.tempora.handler.TaskHandler;
import dev.tempora.task.TaskChanged;
import dev.tempora.task.TaskListener;
import dev.tempora.task.TaskState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

/** Handlers that let tests see and steer execution: record the start order, hold a task running. */
@TestConfiguration(proxyBeanMethods = false)
public class TestHandlers {

    /** Task ids (or {@code args.name}) in the order their handlers started. */
    public static final List<String> STARTED = new ArrayList<>();

    /** Ids of tasks whose handler saw an interrupt. */
    public static final List<String> INTERRUPTED = new ArrayList<>();

    /** Every state change this instance told its listeners of, in order. */
    private static final List<TaskChanged> CHANGES = new ArrayList<>();

    private static final Map<String, CountDownLatch> GATES = new ConcurrentHashMap<>();

    public static synchronized void reset() {
        synchronized (STARTED) {
            STARTED.clear();
        }
        synchronized (INTERRUPTED) {
            INTERRUPTED.clear();
        }
        synchronized (CHANGES) {
            CHANGES.clear();
        }
        GATES.values().forEach(CountDownLatch::countDown);
        GATES.clear();
    }

    public static List<String> started() {
        synchronized (STARTED) {
            return List.copyOf(STARTED);
        }
    }

    public static List<String> interrupted() {
        synchronized (INTERRUPTED) {
            return List.copyOf(INTERRUPTED);
        }
    }

    /** The states task {@code id} went through, as told to listeners. */
    public static List<TaskState> changes(String id) {
        synchronized (CHANGES) {
            return CHANGES.stream()
                    .filter(change -> change.id().toString().equals(id))
                    .map(TaskChanged::state)
                    .toList();
        }
    }

    @Bean
    TaskListener changeRecorder() {
        return new TaskListener() {
            @Override
            public void changed(TaskChanged changed) {
                synchronized (CHANGES) {
                    CHANGES.add(changed);
                }
            }
        };
    }

    /** Lets every {@code block} task waiting on {@code gate} finish. */
    public static void open(String gate) {
        gate(gate).countDown();
    }

    private static CountDownLatch gate(String name) {
        return GATES.computeIfAbsent(name, key -> new CountDownLatch(1));
    }

    private static void started(TaskContext context) {
        var name = context.args().path("name");
        synchronized (STARTED) {
            STARTED.add(name.isString() ? name.asString() : context.taskId());
        }
    }

    /** {@code record}: notes that it started, returns {@code args.name}. */
    @Bean
    TaskHandler recordHandler() {
        return new TaskHandler() {
            @Override
            public String name() {
                return "record";
            }

            @Override
            public Object handle(TaskContext context) {
                started(context);
                return context.args().get("name");
            }
        };
    }

    /** {@code block}: notes that it started, then waits (interruptibly) until {@code args.gate} opens. */
    @Bean
    TaskHandler blockHandler() {
        return new TaskHandler() {
            @Override
            public String name() {
                return "block";
            }

            @Override
            public Object handle(TaskContext context) throws InterruptedException {
                started(context);
                try {
                    if (!gate(context.args().path("gate").asString("default")).await(60, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("gate never opened");
                    }
                    return "released";
                } catch (InterruptedException interrupted) {
                    synchronized (INTERRUPTED) {
                        INTERRUPTED.add(context.taskId());
                    }
                    throw interrupted;
                }
            }
        };
    }

    /** {@code stubborn}: busy for {@code args.millis}, deaf to interrupts, then returns "finished". */
    @Bean
    TaskHandler stubbornHandler() {
        return new TaskHandler() {
            @Override
            public String name() {
                return "stubborn";
            }

            @Override
            public Object handle(TaskContext context) {
                long end = System.nanoTime()
                        + TimeUnit.MILLISECONDS.toNanos(
                                context.args().path("millis").asLong(500));
                for (long left = end - System.nanoTime(); left > 0; left = end - System.nanoTime()) {
                    try {
                        TimeUnit.NANOSECONDS.sleep(left);
                    } catch (InterruptedException deaf) {
                        // This handler ignores interrupts on purpose.
                    }
                }
                return "finished";
            }
        };
    }
}
