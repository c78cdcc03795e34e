package dev.tempora.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;

/**
 * A receiver's answers, given in turn (then {@code 200}s), each request recorded as it takes its
 * answer: the server's own queue records a request before the request takes its answer, so a
 * second request could take the first answer while the first's thread was descheduled between the
 * two.
 */
final class InOrder extends Dispatcher {

    private final Queue<MockResponse> answers;
    private final BlockingQueue<RecordedRequest> taken = new LinkedBlockingQueue<>();

    InOrder(MockResponse... answers) {
        this.answers = new ArrayDeque<>(List.of(answers));
    }

    @Override
    public synchronized MockResponse dispatch(RecordedRequest request) {
        taken.add(request);
        var answer = answers.poll();
        return answer != null ? answer : new MockResponse.Builder().code(200).build();
    }

    /** The next request, in the order they took their answers. */
    RecordedRequest take() throws InterruptedException {
        var request = taken.poll(10, TimeUnit.SECONDS);
        assertThat(request).as("a delivery arrived").isNotNull();
        return request;
    }
}
