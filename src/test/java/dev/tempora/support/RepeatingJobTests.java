package dev.tempora.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RepeatingJobTests {

    @Test
    void aRunThatThrowsDoesNotEndTheLoop() throws InterruptedException {
        var runs = new AtomicInteger();
        var third = new CountDownLatch(1);
        var job = new RepeatingJob("repeating-job-test");
        job.start(Duration.ofMillis(10), () -> {
            int run = runs.incrementAndGet();
            if (run == 1) {
                throw new IllegalStateException("first run fails");
            }
            if (run == 2) {
                throw new AssertionError("second run fails with an Error");
            }
            third.countDown();
        });
        try {
            assertThat(third.await(10, TimeUnit.SECONDS)).as("ran a third time").isTrue();
        } finally {
            job.stop();
        }
    }
}
