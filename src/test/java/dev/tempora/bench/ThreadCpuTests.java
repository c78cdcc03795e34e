package dev.tempora.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class ThreadCpuTests {

    @Test
    void groupsThreadsByTheirKernelNames() {
        assertThat(ThreadCpu.group("ZWorkerYoung#0")).isEqualTo(ThreadCpu.GC);
        assertThat(ThreadCpu.group("GC Thread#1")).isEqualTo(ThreadCpu.GC);
        assertThat(ThreadCpu.group("C2 CompilerThre")).isEqualTo(ThreadCpu.JIT);
        assertThat(ThreadCpu.group("H2-serializatio")).isEqualTo(ThreadCpu.H2);
        assertThat(ThreadCpu.group("VM Thread")).isEqualTo(ThreadCpu.JVM);
        assertThat(ThreadCpu.group("tempora-outcome")).isEqualTo(ThreadCpu.APPLICATION);
    }

    @Test
    void countsTheCpuOfABusyThreadInItsGroup() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "Linux only");
        var spun = new CountDownLatch(1);
        var release = new CountDownLatch(1);
        var before = ThreadCpu.now();
        // A thread's time is read while it lives: it waits to be released until it has been.
        var busy = Thread.ofPlatform().name("tempora-busy").start(() -> {
            spin();
            spun.countDown();
            awaitUninterruptibly(release);
        });
        spun.await();
        var after = ThreadCpu.now();
        release.countDown();
        busy.join();

        var perTask = ThreadCpu.perTask(before, after, 1);

        assertThat(perTask).containsOnlyKeys("application", "h2", "gc", "jit", "jvm");
        // 200 ms of CPU by the JVM's own count, less what clock ticks (10 ms) round off where the
        // kernel keeps no schedstat.
        assertThat(perTask.get(ThreadCpu.APPLICATION)).isGreaterThan(150_000);
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Spins until this thread has had 200 ms of CPU, however long a busy machine makes that take: a
     * wall-clock budget made this test fail on a loaded CI machine.
     */
    private static void spin() {
        var threads = ManagementFactory.getThreadMXBean();
        long end = threads.getCurrentThreadCpuTime() + 200_000_000;
        long x = 0;
        while (threads.getCurrentThreadCpuTime() < end) {
            for (int i = 0; i < 10_000; i++) {
                x += x * 31 + 7;
            }
        }
        if (x == 42) {
            System.out.println(x);
        }
    }
}
