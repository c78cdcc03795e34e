package dev.tempora.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("h2-only") // no database: the same in both runs
class GroupCommitTests {

    /** Items added while it stops: written by the thread, by stop(), or by their caller, each once. */
    @Test
    void everyItemAddedWhileItStopsIsWrittenOnce() throws Exception {
        int adders = 4;
        int perAdder = 2_000;
        for (int round = 0; round < 100; round++) {
            var written = ConcurrentHashMap.<Integer>newKeySet();
            var writes = new AtomicInteger();
            var commit = new GroupCommit<Integer>("group-commit-test", 64, batch -> {
                written.addAll(batch);
                writes.addAndGet(batch.size());
            });
            commit.start();
            var go = new CountDownLatch(1);
            var threads = new ArrayList<Thread>();
            for (int a = 0; a < adders; a++) {
                int from = a * perAdder;
                threads.add(Thread.ofPlatform().start(() -> {
                    awaitQuietly(go);
                    for (int i = from; i < from + perAdder; i++) {
                        commit.add(i);
                    }
                }));
            }
            go.countDown();
            Thread.sleep(0, round * 5_000);
            commit.stop();
            for (var thread : threads) {
                thread.join();
            }
            assertThat(writes.get()).as("round %d", round).isEqualTo(adders * perAdder);
            assertThat(written).hasSize(adders * perAdder);
        }
    }

    /** A batch whose write throws, even an Error, costs that batch only: the thread writes the next ones. */
    @Test
    void theThreadOutlivesABatchThatThrows() throws Exception {
        var tried = new LinkedBlockingQueue<List<Integer>>();
        var written = new LinkedBlockingQueue<Integer>();
        var commit = new GroupCommit<Integer>("group-commit-test", 64, batch -> {
            tried.add(batch);
            if (batch.contains(-1)) {
                throw new OutOfMemoryError("thrown by the test");
            }
            if (batch.contains(-2)) {
                throw new IllegalStateException("thrown by the test");
            }
            written.addAll(batch);
        });
        commit.start();
        try {
            for (int poison : new int[] {-1, -2}) {
                commit.add(poison);
                assertThat(tried.poll(5, TimeUnit.SECONDS)).containsExactly(poison);
            }
            commit.add(1);
            assertThat(written.poll(5, TimeUnit.SECONDS))
                    .as("written after two batches threw")
                    .isEqualTo(1);
        } finally {
            commit.stop();
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
