package dev.tempora.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

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

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
