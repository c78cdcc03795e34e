package dev.tempora;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.function.Consumer;

/**
 * A plain socket server on a loopback port, for peers that must do what an HTTP server library
 * will not (hold a request, close a kept-alive connection unanswered): each connection is given
 * to {@code serve} on a virtual thread of its own.
 */
public final class SocketPeer implements AutoCloseable {

    private final ServerSocket server;

    public SocketPeer(Consumer<Socket> serve) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    var socket = server.accept();
                    Thread.ofVirtual().start(() -> serve.accept(socket));
                } catch (IOException closed) {
                    return;
                }
            }
        });
    }

    public int port() {
        return server.getLocalPort();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
