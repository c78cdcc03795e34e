package dev.tempora.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import org.junit.jupiter.api.Test;

/** The order in which waiting deliveries are given places, and the shares of the receivers. */
class WaitingDeliveriesTests {

    private static final Instant DUE = Instant.parse("2026-12-06T00:00:00Z");

    private final WaitingDeliveries waiting = new WaitingDeliveries(10, 2);

    @Test
    void receiversTakeTurnsEachInTheOrderItsDeliveriesCameDueUpToItsShare() {
        var a = ids(4);
        var b = ids(2);
        a.forEach(id -> waiting.add(id, "http://a.example/hooks", DUE));
        b.forEach(id -> waiting.add(id, "HTTP://B.example:80/other", DUE));

        var places = new Semaphore(10);
        assertThat(taken(waiting.take(places))).containsExactly(a.get(0), b.get(0), a.get(1), b.get(1));
        assertThat(places.availablePermits()).as("one place each").isEqualTo(6);
        assertThat(waiting.take(places)).as("a holds its share").isEmpty();

        waiting.ended("http://a.example:80");
        assertThat(taken(waiting.take(places))).containsExactly(a.get(2));
        assertThat(waiting.contains(a.get(3))).isTrue();
        assertThat(waiting.contains(a.get(2))).isFalse();
    }

    @Test
    void noMoreThanThePlacesThereAre() {
        var a = ids(2);
        var b = ids(2);
        a.forEach(id -> waiting.add(id, "http://a.example/", DUE));
        b.forEach(id -> waiting.add(id, "http://b.example/", DUE));

        var places = new Semaphore(3);
        assertThat(taken(waiting.take(places))).containsExactly(a.get(0), b.get(0), a.get(1));
        places.release();
        assertThat(taken(waiting.take(places))).containsExactly(b.get(1));
    }

    @Test
    void aBacklogDoesNotKeepAReceiverThatComesLaterWaitingBehindAllOfIt() {
        var roomy = new WaitingDeliveries(10, 5);
        var a = ids(3);
        var b = ids(1);
        a.forEach(id -> roomy.add(id, "http://a.example/", DUE));
        var places = new Semaphore(1);
        assertThat(taken(roomy.take(places))).containsExactly(a.get(0));
        b.forEach(id -> roomy.add(id, "http://b.example/", DUE));
        places.release(2);
        assertThat(taken(roomy.take(places))).containsExactly(a.get(1), b.get(0));
    }

    @Test
    void noneAddedTwiceNorBeyondTheMost() {
        var small = new WaitingDeliveries(2, 2);
        var ids = ids(3);
        assertThat(small.add(ids.get(0), "http://a.example/", DUE)).isTrue();
        assertThat(small.add(ids.get(0), "http://a.example/", DUE)).isFalse();
        assertThat(small.add(ids.get(1), "http://a.example/", DUE)).isTrue();
        assertThat(small.add(ids.get(2), "http://a.example/", DUE)).isFalse();
        assertThat(small.size()).isEqualTo(2);
    }

    @Test
    void foundDueAgainItKeepsItsPlaceAndTheLaterTime() {
        var ids = ids(2);
        waiting.add(ids.get(0), "http://a.example/", DUE);
        waiting.add(ids.get(1), "http://a.example/", DUE);
        assertThat(waiting.add(ids.get(0), "http://a.example/", DUE.plusMillis(5)))
                .isFalse();
        assertThat(waiting.add(ids.get(1), "http://a.example/", DUE.minusMillis(5)))
                .isFalse();
        var taken = waiting.take(new Semaphore(10));
        assertThat(taken).extracting(WaitingDeliveries.Placed::due).containsExactly(DUE.plusMillis(5), DUE);
    }

    @Test
    void aReceiverIsItsSchemeHostAndPort() {
        assertThat(WaitingDeliveries.receiver("https://Example.COM:8443/a?b"))
                .isEqualTo(WaitingDeliveries.receiver("HTTPS://example.com:8443/other"));
        assertThat(WaitingDeliveries.receiver("http://example.com:8080/a"))
                .isNotEqualTo(WaitingDeliveries.receiver("http://example.com:8081/a"));
        assertThat(WaitingDeliveries.receiver("http://example.com/a"))
                .isEqualTo(WaitingDeliveries.receiver("http://example.com:80/b"));
        assertThat(WaitingDeliveries.receiver("https://example.com/a"))
                .isEqualTo(WaitingDeliveries.receiver("https://example.com:443/b"));
        assertThat(WaitingDeliveries.receiver("not a url")).isEqualTo("not a url");
    }

    private static List<UUID> ids(int n) {
        return java.util.stream.Stream.generate(UUID::randomUUID).limit(n).toList();
    }

    private static List<UUID> taken(List<WaitingDeliveries.Placed> placed) {
        return placed.stream().map(WaitingDeliveries.Placed::id).toList();
    }
}
