package dev.tempora.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * A loopback TCP forwarder whose link can be cut and restored: a database outage on demand. Cut,
 * it drops every connection and closes each new one as soon as it is accepted, so the database is
 * unreachable; restored, it forwards again. It keeps listening throughout: a port given up for the
 * outage could be taken by another socket before it is bound again.
 *
 * <p>{@link #silence} is the database's host vanishing instead: the database's side of every
 * connection is closed (its sessions end), but the application's side stays open and hears nothing
 * more, neither an answer nor a reset, as when a crashed host or a dropped route leaves the
 * packets unanswered. New connections are refused until {@link #restore}; the silenced ones stay
 * silent for good.
 */
final class TcpProxy implements AutoCloseable {

    private final int port;
    private final int targetPort;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Map<Socket, Socket> upstreams = new ConcurrentHashMap<>();
    private final Set<Socket> silent = ConcurrentHashMap.newKeySet();
    private final ServerSocket server;
    private volatile boolean cut;

    TcpProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.port = server.getLocalPort();
        Thread.ofVirtual().start(this::accept);
    }

    /** A proxy to the server {@code jdbcUrl} names (on this machine; port 5432 when it names none). */
    static TcpProxy before(String jdbcUrl) throws IOException {
        int port = server(jdbcUrl).getPort();
        return new TcpProxy(port == -1 ? 5432 : port);
    }

    /** {@code jdbcUrl}, through this proxy instead of straight to its server. */
    String proxied(String jdbcUrl) {
        var server = server(jdbcUrl);
        var authority = server.getHost() + (server.getPort() == -1 ? "" : ":" + server.getPort());
        return jdbcUrl.replaceFirst(Pattern.quote(authority), "127.0.0.1:" + port);
    }

    private static URI server(String jdbcUrl) {
        return URI.create(jdbcUrl.substring("jdbc:".length()));
    }

    int port() {
        return port;
    }

    void cut() {
        cut = true;
        open.forEach(TcpProxy::closeQuietly);
        open.clear();
    }

    /** The database's host vanishes: see the class comment. */
    void silence() {
        cut = true;
        upstreams.forEach((client, upstream) -> {
            silent.add(client);
            closeQuietly(upstream);
        });
        upstreams.clear();
    }

    void restore() {
        cut = false;
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                var client = server.accept();
                if (cut) {
                    closeQuietly(client);
                    continue;
                }
                var upstream = new Socket();
                upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort));
                open.add(client);
                open.add(upstream);
                upstreams.put(client, upstream);
                if (cut) { // cut while this one connected: dropped with the others
                    closeQuietly(client);
                    closeQuietly(upstream);
                    continue;
                }
                Thread.ofVirtual().start(() -> pipe(client, upstream));
                Thread.ofVirtual().start(() -> pipe(upstream, client));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void pipe(Socket from, Socket to) {
        // Not closed with their streams: closing either would close a socket to be kept silent.
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            in.transferTo(out);
        } catch (IOException dropped) {
            // the link was cut, or one side closed
        } finally {
            for (var socket : List.of(from, to)) {
                if (!silent.contains(socket)) {
                    closeQuietly(socket);
                    open.remove(socket);
                }
            }
            upstreams.remove(from);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        cut();
        silent.forEach(TcpProxy::closeQuietly);
        server.close();
    }
}
