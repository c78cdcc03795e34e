package dev.tempora.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A load generator in the manner of {@code wrk}: one thread drives keep-alive HTTP/1.1 connections,
 * each with one request in flight, the same request again and again.
 *
 * <p>The server's rate is what a submit benchmark measures, and on two cores the client takes its
 * CPU from the server. {@code java.net.http.HttpClient} on 16 threads let a warm Tempora accept
 * about 2,450 submits/s and Apache's classic client about 2,900/s where {@code wrk} (2 threads,
 * 16 connections) had the same build accept 9,500/s: most of the difference was the client.
 */
final class KeepAliveLoad {

    /** What a run saw: how many answers of each status other than the expected one came, and how long it took. */
    record Outcome(Map<Integer, Integer> unexpected, long nanos) {}

    private static final int READ_BUFFER = 64 * 1024;

    private KeepAliveLoad() {}

    /**
     * Sends {@code requests} POSTs of {@code json} to {@code path} over {@code connections}
     * connections, and counts the answers whose status is not {@code expectedStatus}.
     */
    static Outcome post(int port, String path, String json, int connections, int requests, int expectedStatus) {
        var body = json.getBytes(StandardCharsets.UTF_8);
        var head = ("POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
                        + "Content-Length: %d\r\n\r\n")
                .formatted(path, port, body.length)
                .getBytes(StandardCharsets.US_ASCII);
        var request = ByteBuffer.allocate(head.length + body.length)
                .put(head)
                .put(body)
                .flip();
        var read = ByteBuffer.allocateDirect(READ_BUFFER);
        int sent = 0;
        int answered = 0;
        var unexpected = new TreeMap<Integer, Integer>();
        long start = System.nanoTime();
        try (var selector = Selector.open()) {
            for (int c = 0; c < Math.min(connections, requests); c++) {
                connect(selector, port, request);
                sent++;
            }
            while (answered < requests) {
                if (selector.select(10_000) == 0) {
                    throw new IllegalStateException("no answer for 10 s");
                }
                for (var key : selector.selectedKeys()) {
                    var channel = (SocketChannel) key.channel();
                    var connection = (Connection) key.attachment();
                    if (key.isWritable()) {
                        channel.write(connection.out);
                        if (!connection.out.hasRemaining()) {
                            key.interestOps(SelectionKey.OP_READ);
                        }
                    } else if (key.isReadable()) {
                        read.clear();
                        if (channel.read(read) < 0) {
                            throw new IllegalStateException("the server closed a connection");
                        }
                        connection.received(read.flip());
                        int status = connection.answered();
                        if (status == 0) {
                            continue;
                        }
                        answered++;
                        if (status != expectedStatus) {
                            unexpected.merge(status, 1, Integer::sum);
                        }
                        if (connection.closing || sent == requests) {
                            key.cancel();
                            channel.close();
                        }
                        if (sent == requests) {
                            continue;
                        }
                        sent++;
                        if (connection.closing) {
                            // Tomcat closes a connection after 100 requests (maxKeepAliveRequests), as wrk
                            // sees too: a new one takes its place.
                            connect(selector, port, request);
                        } else {
                            connection.out = request.duplicate();
                            key.interestOps(SelectionKey.OP_WRITE);
                        }
                    }
                }
                selector.selectedKeys().clear();
            }
            for (var key : selector.keys()) {
                key.channel().close();
            }
        } catch (IOException failed) {
            throw new UncheckedIOException(failed);
        }
        return new Outcome(unexpected, System.nanoTime() - start);
    }

    private static void connect(Selector selector, int port, ByteBuffer request) throws IOException {
        var channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        channel.configureBlocking(false);
        channel.register(selector, SelectionKey.OP_WRITE, new Connection(request.duplicate()));
    }

    /** One connection: what is left to send, the answer read so far, and whether the server ends it. */
    private static final class Connection {

        ByteBuffer out;
        boolean closing;
        private byte[] in = new byte[8 * 1024];
        private int length;

        Connection(ByteBuffer out) {
            this.out = out;
        }

        void received(ByteBuffer bytes) {
            int count = bytes.remaining();
            if (length + count > in.length) {
                in = Arrays.copyOf(in, Math.max(in.length * 2, length + count));
            }
            bytes.get(in, length, count);
            length += count;
        }

        /** The status of the answer, once it is all here (and then forgotten), else 0. */
        int answered() {
            int headEnd = indexOf(in, length, 0, "\r\n\r\n");
            if (headEnd < 0) {
                return 0;
            }
            var lines = new String(in, 0, headEnd, StandardCharsets.US_ASCII).split("\r\n");
            var headers = new HashMap<String, String>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0) {
                    headers.merge(
                            lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT),
                            lines[i].substring(colon + 1).strip().toLowerCase(Locale.ROOT),
                            (first, second) -> first + ", " + second);
                }
            }
            int end = headers.getOrDefault("transfer-encoding", "").contains("chunked")
                    ? chunkedEnd(headEnd + 4)
                    : headEnd + 4 + Integer.parseInt(headers.getOrDefault("content-length", "0"));
            if (end < 0 || end > length) {
                return 0;
            }
            if (end != length) {
                throw new IllegalStateException("more bytes than one answer: the server sent unasked");
            }
            length = 0;
            closing = headers.getOrDefault("connection", "").contains("close");
            // "HTTP/1.1 201 ": a 1xx would be taken for the answer, but none is asked for (no Expect).
            return Integer.parseInt(lines[0].substring(9, 12));
        }

        /** Where a chunked body that starts at {@code position} ends, or -1 if it has not all come. */
        private int chunkedEnd(int position) {
            while (true) {
                int lineEnd = indexOf(in, length, position, "\r\n");
                if (lineEnd < 0) {
                    return -1;
                }
                var sizeLine = new String(in, position, lineEnd - position, StandardCharsets.US_ASCII);
                int semicolon = sizeLine.indexOf(';');
                int size = Integer.parseInt((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).strip(), 16);
                if (size == 0) {
                    // No trailers: the last chunk's line is followed by an empty one.
                    return lineEnd + 4;
                }
                position = lineEnd + 2 + size + 2;
                if (position > length) {
                    return -1;
                }
            }
        }

        private static int indexOf(byte[] bytes, int length, int from, String ascii) {
            outer:
            for (int i = from; i <= length - ascii.length(); i++) {
                for (int j = 0; j < ascii.length(); j++) {
                    if (bytes[i + j] != ascii.charAt(j)) {
                        continue outer;
                    }
                }
                return i;
            }
            return -1;
        }
    }
}
