package dev.tempora.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The outbound client opens as many connections at once as its callers ask for. */
class OutboundHttpTests {

    @Test
    void manyRequestsToOneReceiverAreOpenAtOnce() throws Exception {
        int requests = 100; // above the 64 per receiver the client allowed
        var arrived = new CountDownLatch(requests);
        var server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), requests);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            arrived.countDown();
            try {
                // Answered only once all of them are open: with a cap below them, none would be.
                boolean all = arrived.await(10, TimeUnit.SECONDS);
                exchange.sendResponseHeaders(all ? 200 : 503, -1);
            } catch (InterruptedException stopping) {
                Thread.currentThread().interrupt();
            } finally {
                exchange.close();
            }
        });
        server.start();
        var http = new OutboundHttp(new OutboundPolicy(new OutboundProperties(true)));
        try {
            var url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
            var answers = new ArrayList<CompletableFuture<OutboundResponse>>();
            for (int i = 0; i < requests; i++) {
                answers.add(http.send(new OutboundRequest(
                        "POST",
                        url,
                        Map.of(),
                        new byte[] {'{', '}'},
                        "application/json",
                        Duration.ofSeconds(20),
                        1024,
                        false)));
            }
            for (var answer : answers) {
                assertThat(answer.get(30, TimeUnit.SECONDS).status()).isEqualTo(200);
            }
        } finally {
            http.destroy();
            server.stop(0);
        }
    }
}
