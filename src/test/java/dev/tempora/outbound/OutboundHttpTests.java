package dev.tempora.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.tempora.SocketPeer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hc.core5.http.ConnectionClosedException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The outbound client: as many connections at once as its callers ask for, and what it does when a peer closes one. */
@Tag("h2-only") // no database: the same in both runs
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
                        false,
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

    /**
     * A peer that answers the first request of each connection and keeps it open, then closes it
     * on the next request without answering, as one that lets idle connections go does when a
     * request crosses its close. A request the receiver deduplicates goes again on a new connection;
     * a POST that is not resendable fails, since the peer may have acted on it.
     */
    @Test
    void aRequestThePeerClosedItsConnectionOnIsSentAgainWhenResendable() throws Exception {
        try (var peer = new ClosingPeer()) {
            var http = new OutboundHttp(new OutboundPolicy(new OutboundProperties(true)));
            try {
                var url = URI.create("http://127.0.0.1:" + peer.port() + "/hook");
                assertThat(http.send(post(url, true)).get(10, TimeUnit.SECONDS).status())
                        .isEqualTo(200);
                Thread.sleep(200); // the connection back in the pool, to be reused

                // The kept-alive connection is reused, closed unanswered; the request goes again.
                assertThat(http.send(post(url, true)).get(10, TimeUnit.SECONDS).status())
                        .isEqualTo(200);
                assertThat(peer.closedUnanswered.get()).isEqualTo(1);
                assertThat(peer.requests.get()).isEqualTo(3);
                Thread.sleep(200);

                var notResendable = http.send(post(url, false));
                assertThatThrownBy(() -> notResendable.get(10, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class)
                        .cause()
                        .isInstanceOf(ConnectionClosedException.class);
                assertThat(peer.closedUnanswered.get()).isEqualTo(2);
                assertThat(peer.requests.get()).isEqualTo(4);
            } finally {
                http.destroy();
            }
        }
    }

    @Test
    void connectingMayTakeTheWholeTimeout() throws Exception {
        // A listener whose accept queue is full: the kernel drops further connection requests
        // unanswered, as a host that has gone away does, and the client keeps trying to connect.
        var queued = new ArrayList<Socket>();
        try (var listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            fillAcceptQueue(listener, queued);
            var http = new OutboundHttp(new OutboundPolicy(new OutboundProperties(true)));
            try {
                var url = URI.create("http://127.0.0.1:" + listener.getLocalPort() + "/hook");
                var timeout = Duration.ofSeconds(11); // beyond the 10 s the client's pool cut connecting at
                long start = System.nanoTime();
                var answer =
                        http.send(new OutboundRequest("GET", url, Map.of(), null, null, timeout, 1024, false, true));
                assertThatThrownBy(() -> answer.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(timeout);
            } finally {
                http.destroy();
            }
        } finally {
            for (var socket : queued) {
                socket.close();
            }
        }
    }

    /** Connects to {@code listener} until a connection is no longer taken into its full accept queue. */
    private static void fillAcceptQueue(ServerSocket listener, List<Socket> queued) throws IOException {
        for (int i = 0; i < 16; i++) {
            var socket = new Socket();
            queued.add(socket);
            try {
                socket.connect(listener.getLocalSocketAddress(), 300);
            } catch (SocketTimeoutException full) {
                return;
            }
        }
        throw new IllegalStateException("The accept queue took 16 connections");
    }

    private static OutboundRequest post(URI url, boolean resendable) {
        return new OutboundRequest(
                "POST",
                url,
                Map.of(),
                new byte[] {'{', '}'},
                "application/json",
                Duration.ofSeconds(5),
                1024,
                false,
                resendable);
    }

    /** Answers each connection's first request (keeping it open), closes it on the second unanswered. */
    private static final class ClosingPeer implements AutoCloseable {
        final AtomicInteger requests = new AtomicInteger();
        final AtomicInteger closedUnanswered = new AtomicInteger();
        private final SocketPeer server = new SocketPeer(this::serve);

        ClosingPeer() throws IOException {}

        int port() {
            return server.port();
        }

        private void serve(Socket socket) {
            try (socket) {
                var in = socket.getInputStream();
                for (int served = 0; readRequest(in); served++) {
                    requests.incrementAndGet();
                    if (served > 0) {
                        closedUnanswered.incrementAndGet();
                        return; // closed unanswered
                    }
                    socket.getOutputStream()
                            .write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                }
            } catch (IOException gone) {
                // the client closed it
            }
        }

        /** Reads one request (head, then a body of its Content-Length); false at the end of the stream. */
        private static boolean readRequest(InputStream in) throws IOException {
            var head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    return false;
                }
                head.append((char) b);
            }
            var length = head.toString()
                    .lines()
                    .filter(line -> line.toLowerCase(Locale.ROOT).startsWith("content-length:"))
                    .map(line -> Integer.parseInt(line.substring(15).strip()))
                    .findFirst()
                    .orElse(0);
            in.readNBytes(length);
            return true;
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    /**
     * A body that ends at the cap was kept whole: not truncated; one byte more is, with a
     * Content-Length or chunked, for a request that waits for the whole body (the http handler's
     * kind). An exact fit was marked truncated, and its connection thrown away.
     */
    @Test
    void aBodyOfExactlyTheCapIsWholeAndOneByteMoreIsTruncated() throws Exception {
        int cap = 1024;
        var server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            var path = exchange.getRequestURI().getPath().split("/");
            int size = Integer.parseInt(path[2]);
            exchange.sendResponseHeaders(200, path[1].equals("chunked") ? 0 : size);
            try (var body = exchange.getResponseBody()) {
                body.write("x".repeat(size).getBytes(StandardCharsets.US_ASCII));
            }
        });
        server.start();
        var http = new OutboundHttp(new OutboundPolicy(new OutboundProperties(true)));
        var seen = new TreeMap<String, String>();
        var expected = new TreeMap<String, String>();
        try {
            for (var framing : List.of("length", "chunked")) {
                for (int size : new int[] {cap, cap + 1}) {
                    var url = URI.create("http://127.0.0.1:%d/%s/%d"
                            .formatted(server.getAddress().getPort(), framing, size));
                    var response = http.send(new OutboundRequest(
                                    "GET", url, Map.of(), null, null, Duration.ofSeconds(10), cap, false, true))
                            .get(20, TimeUnit.SECONDS);
                    var which = framing + " body of " + size + " bytes";
                    seen.put(which, "kept " + response.body().length + ", truncated " + response.truncated());
                    expected.put(which, "kept " + cap + ", truncated " + (size > cap));
                }
            }
            assertThat(seen).isEqualTo(expected);
        } finally {
            http.destroy();
            server.stop(0);
        }
    }
}
