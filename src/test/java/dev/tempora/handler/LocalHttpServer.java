package dev.tempora.handler;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.zip.GZIPOutputStream;

/** A real HTTP server on loopback for tests of outbound requests. */
final class LocalHttpServer implements AutoCloseable {

    /** A request: its method, path (decoded), the request line's target as sent, Content-Type and body. */
    record Received(String method, String path, String target, String contentType, String body) {}

    final List<Received> received = new CopyOnWriteArrayList<>();
    private final HttpServer server;

    LocalHttpServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/json", exchange -> answer(exchange, 200, "application/json", "{\"ok\":true,\"n\":1}"));
        server.createContext("/twice", exchange -> answer(exchange, 200, "application/json", "{\"n\":1,\"n\":2}"));
        server.createContext(
                "/echo",
                exchange -> answer(
                        exchange,
                        201,
                        "text/plain",
                        new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
        server.createContext("/large", exchange -> answer(exchange, 200, "text/plain", "x".repeat(2 * 1024 * 1024)));
        server.createContext("/quotes", exchange -> answer(exchange, 200, "text/plain", "\"".repeat(600 * 1024)));
        server.createContext(
                "/deep", exchange -> answer(exchange, 200, "application/json", "[".repeat(450) + "]".repeat(450)));
        server.createContext("/endless", exchange -> {
            record(exchange, "");
            exchange.getResponseHeaders().add("Content-Type", "text/plain");
            exchange.sendResponseHeaders(200, 0); // chunked, and never ended
            var chunk = "y".repeat(64 * 1024).getBytes(StandardCharsets.UTF_8);
            try (var body = exchange.getResponseBody()) {
                for (int i = 0; i < 30 * 16; i++) { // 30 MiB at most, over 30 s at least
                    body.write(chunk);
                    body.flush();
                    if (i >= 16) {
                        Thread.sleep(60);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException cutOff) {
                // the client closed the connection: what the test expects
            }
        });
        server.createContext("/gzip", exchange -> {
            record(exchange, "");
            var gzipped = new ByteArrayOutputStream();
            try (var out = new GZIPOutputStream(gzipped)) {
                out.write("{\"zipped\":true}".getBytes(StandardCharsets.UTF_8));
            }
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.getResponseHeaders().add("Content-Encoding", "gzip");
            exchange.sendResponseHeaders(200, gzipped.size());
            exchange.getResponseBody().write(gzipped.toByteArray());
            exchange.close();
        });
        server.createContext("/broken", exchange -> answer(exchange, 500, "text/plain", "database on fire"));
        server.createContext("/hang", exchange -> {
            record(exchange, "");
            try {
                Thread.sleep(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        server.start();
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    private void answer(HttpExchange exchange, int status, String type, String body) throws IOException {
        var requestBody = exchange.getRequestMethod().equals("GET")
                ? ""
                : new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        record(exchange, requestBody);
        var bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", type);
        exchange.getResponseHeaders().add("X-Test", "yes");
        exchange.getResponseHeaders().add("X-Twice", "first");
        exchange.getResponseHeaders().add("X-Twice", "second");
        exchange.getResponseHeaders().add("Set-Cookie", "a=1; Expires=Wed, 21 Oct 2026 07:28:00 GMT");
        exchange.getResponseHeaders().add("Set-Cookie", "b=2");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private void record(HttpExchange exchange, String body) {
        received.add(new Received(
                exchange.getRequestMethod(),
                exchange.getRequestURI().getPath(),
                exchange.getRequestURI().toString(),
                exchange.getRequestHeaders().getFirst("Content-Type"),
                body));
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
