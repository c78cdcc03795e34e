package dev.tempora.outbound;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.hc.client5.http.async.AsyncExecCallback;
import org.apache.hc.client5.http.async.AsyncExecChain;
import org.apache.hc.client5.http.async.AsyncExecRuntime;
import org.apache.hc.client5.http.async.methods.SimpleHttpRequest;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.async.methods.SimpleRequestProducer;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.ConnectionClosedException;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.RequestNotExecutedException;
import org.apache.hc.core5.http.nio.AsyncEntityProducer;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * The one HTTP client for outbound requests. Non-blocking, so a waiting caller can be interrupted
 * (cancelling the exchange) and a hanging peer holds no thread; redirects are never followed.
 */
@Component
public class OutboundHttp implements DisposableBean {

    /** The context attribute through which an exchange's runtime, which holds its connection, is found. */
    private static final String RUNTIME = "tempora.exec-runtime";

    /** Times a request is sent again on another connection after the peer closed the one it was given. */
    private static final int MAX_RESENDS = 2;

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private final OutboundPolicy policy;
    private final CloseableHttpAsyncClient client;

    OutboundHttp(OutboundPolicy policy) {
        this.policy = policy;
        var connections = PoolingAsyncClientConnectionManagerBuilder.create()
                .setDnsResolver(new PolicyDnsResolver(policy))
                // No cap: how many requests are open at once is bounded where they are made (webhooks
                // by tempora.webhooks.max-in-flight, the http handler by its pools' workers). A cap
                // here made the ones above it wait for a connection, a wait their timeout counted:
                // with 64 per receiver, webhook attempts timed out unsent behind slow answers.
                .setMaxConnTotal(Integer.MAX_VALUE)
                .setMaxConnPerRoute(Integer.MAX_VALUE)
                .build();
        this.client = HttpAsyncClients.custom()
                .setConnectionManager(connections)
                // What a burst opened is closed once it has been idle a while.
                .evictIdleConnections(TimeValue.ofMinutes(1))
                .addExecInterceptorFirst(RUNTIME, OutboundHttp::rememberRuntime)
                .disableRedirectHandling()
                .disableAutomaticRetries()
                .disableCookieManagement()
                .build();
        client.start();
    }

    /**
     * {@code url} with each character beyond ASCII percent-encoded as UTF-8, as RFC 3987 maps an IRI
     * to a URI, and nothing else changed. Sent as they were (java.net.URI takes them), the client
     * wrote "日" as '?' (cutting the path short) and "é" as one Latin-1 byte: another URL was called
     * (found by review). {@code URI.toASCIIString} normalises first (NFC), so "e" and a combining
     * accent went as "é", which RFC 3987 says not to do.
     */
    static URI ascii(URI url) {
        var text = url.toString();
        if (text.chars().allMatch(c -> c < 0x80)) {
            return url;
        }
        var out = new StringBuilder(text.length() + 16);
        text.codePoints().forEach(codePoint -> {
            if (codePoint < 0x80) {
                out.append((char) codePoint);
            } else {
                for (byte b : Character.toString(codePoint).getBytes(StandardCharsets.UTF_8)) {
                    out.append('%').append(HEX[(b >> 4) & 0xF]).append(HEX[b & 0xF]);
                }
            }
        });
        return URI.create(out.toString());
    }

    /**
     * Sends {@code request}. The future fails with {@link OutboundRefusedException} when the policy
     * refuses the URL or every address of its host, and with {@link java.util.concurrent.TimeoutException}
     * when the exchange outlasts {@code request.timeout()} (for a request {@code answeredByHead}, only
     * when no status line and headers came within it); cancelling it aborts the exchange.
     */
    public CompletableFuture<OutboundResponse> send(OutboundRequest request) {
        var refusal = policy.refuseUrl(request.url());
        if (refusal.isPresent()) {
            return CompletableFuture.failedFuture(new OutboundRefusedException(request.url() + " " + refusal.get()));
        }
        var timeout = Timeout.ofMilliseconds(Math.max(1, request.timeout().toMillis()));
        // Connecting may take the whole timeout, which differs by request: ConnectionConfig's
        // replacement for this setter is one per pool, and its 10 s cut an http task's 30 s short.
        @SuppressWarnings("deprecation")
        var config = RequestConfig.custom()
                .setConnectTimeout(timeout)
                .setResponseTimeout(timeout)
                .setConnectionRequestTimeout(timeout)
                .build();
        var builder = SimpleRequestBuilder.create(request.method())
                .setUri(ascii(request.url()))
                .setRequestConfig(config);
        request.headers().forEach(builder::addHeader);
        if (request.body() != null) {
            builder.setBody(
                    request.body(),
                    request.contentType() == null
                            ? ContentType.APPLICATION_OCTET_STREAM
                            : ContentType.parse(request.contentType()));
        }
        var send = new Send(builder.build(), request);
        send.start(MAX_RESENDS);
        var deadline = new CompletableFuture<Void>().orTimeout(request.timeout().toNanos(), TimeUnit.NANOSECONDS);
        deadline.whenComplete((ignored, timedOut) -> {
            if (timedOut != null) {
                send.fail(timedOut);
            }
        });
        send.result.whenComplete((response, error) -> {
            deadline.complete(null);
            send.abort();
        });
        return send.result;
    }

    /** One request on its way: its exchange with the peer, and what the caller is given. */
    private final class Send {
        final CompletableFuture<OutboundResponse> result = new CompletableFuture<>();
        private final SimpleHttpRequest http;
        private final OutboundRequest request;
        /** The runtime of the exchange, which holds its connection ({@link #rememberRuntime}). */
        private final AtomicReference<AsyncExecRuntime> runtime = new AtomicReference<>();

        private volatile Future<OutboundResponse> exchange;
        private volatile CappedResponseConsumer consumer;
        /** Exchanges started: a re-send started from within {@code execute} must not be overwritten by its caller. */
        private final AtomicInteger started = new AtomicInteger();
        /** Whether it was sent again after the peer closed a connection unanswered: once is enough. */
        private volatile boolean resentAfterClose;

        Send(SimpleHttpRequest http, OutboundRequest request) {
            this.http = http;
            this.request = request;
        }

        /**
         * Starts an exchange. A kept-alive connection may have been closed by the peer (one that
         * keeps fewer idle connections than were opened to it, or lets them go sooner) with the pool
         * not knowing yet: an exchange that fails so is sent again, on another connection, up to
         * {@code resends} times, when it was never sent at all (safe whatever the method), or when
         * the peer closed the connection before answering and the request is {@link
         * OutboundRequest#resendable} (once: a peer that closes every connection unanswered gets it
         * twice, not three times). The caller should not pay a failed attempt (a webhook's next is
         * 5 s away) for a connection the peer let go.
         */
        void start(int resends) {
            int attempt = started.incrementAndGet();
            var context = HttpClientContext.create();
            context.setAttribute(RUNTIME, runtime);
            // Answered by its head, an exchange ends as soon as the bytes kept have come; else as soon
            // as a byte past them comes: the body is cut there, and a peer that sends without end
            // (or slowly, for longer than the timeout) must not turn a cut body into a failure.
            consumer =
                    new CappedResponseConsumer(request.maxResponseBytes(), request.answeredByHead(), result::complete);
            var future = client.execute(SimpleRequestProducer.create(http), consumer, context, new FutureCallback<>() {
                @Override
                public void completed(OutboundResponse response) {
                    result.complete(response);
                }

                @Override
                public void failed(Exception error) {
                    if (resends > 0 && resendable(error) && !result.isDone()) {
                        try {
                            start(resends - 1);
                        } catch (RuntimeException notStarted) {
                            fail(notStarted);
                        }
                        if (result.isDone()) { // ended meanwhile (timed out, cancelled): not sent after all
                            abort();
                        }
                    } else {
                        fail(error);
                    }
                }

                @Override
                public void cancelled() {
                    result.cancel(false);
                }
            });
            if (started.get() == attempt) { // else a re-send, started from within execute, is the current one
                exchange = future;
                if (result.isDone()) { // cut (or timed out) before it was known here: aborted now
                    abort();
                }
            }
        }

        private boolean resendable(Exception error) {
            if (error instanceof RequestNotExecutedException) {
                return true;
            }
            if (error instanceof ConnectionClosedException
                    && request.resendable()
                    && consumer.soFar().isEmpty()
                    && !resentAfterClose) {
                resentAfterClose = true;
                return true;
            }
            return false;
        }

        /**
         * Ends the result on {@code error}: with the answer as far as it has come if the request is
         * answered by its head and that head came, else with the error.
         */
        void fail(Throwable error) {
            var answer = request.answeredByHead() ? consumer.soFar() : Optional.<OutboundResponse>empty();
            answer.ifPresentOrElse(result::complete, () -> result.completeExceptionally(error));
        }

        /**
         * Ended early (the body cut short, a timeout, a cancel), the exchange is aborted, and its
         * connection closed; else a no-op. Cancelling the exchange alone closed the connection only
         * on its first use: over one kept alive from an earlier request, the request went on to its
         * end at the receiver, the answer discarded (an interrupted http task still ran there).
         */
        void abort() {
            var current = exchange;
            if (current != null && !current.isDone()) {
                current.cancel(true);
                var held = runtime.get();
                if (held != null) {
                    held.discardEndpoint();
                }
            }
        }
    }

    /** Notes the runtime of each exchange in its context, for {@link #send} to close its connection. */
    private static void rememberRuntime(
            HttpRequest request,
            AsyncEntityProducer entity,
            AsyncExecChain.Scope scope,
            AsyncExecChain chain,
            AsyncExecCallback callback)
            throws HttpException, IOException {
        if (scope.clientContext.getAttribute(RUNTIME) instanceof AtomicReference<?> runtime) {
            @SuppressWarnings("unchecked")
            var slot = (AtomicReference<AsyncExecRuntime>) runtime;
            slot.set(scope.execRuntime);
        }
        chain.proceed(request, entity, scope, callback);
    }

    @Override
    public void destroy() throws IOException {
        client.close(CloseMode.GRACEFUL);
    }
}
