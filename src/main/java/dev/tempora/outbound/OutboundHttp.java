package dev.tempora.outbound;

import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.hc.client5.http.async.AsyncExecCallback;
import org.apache.hc.client5.http.async.AsyncExecChain;
import org.apache.hc.client5.http.async.AsyncExecRuntime;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.async.methods.SimpleRequestProducer;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpRequest;
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

    private final OutboundPolicy policy;
    private final CloseableHttpAsyncClient client;

    OutboundHttp(OutboundPolicy policy) {
        this.policy = policy;
        var connections = PoolingAsyncClientConnectionManagerBuilder.create()
                .setDnsResolver(new PolicyDnsResolver(policy))
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(Timeout.ofSeconds(10))
                        .build())
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
        var builder = SimpleRequestBuilder.create(request.method())
                .setUri(request.url())
                .setRequestConfig(RequestConfig.custom()
                        .setResponseTimeout(timeout)
                        .setConnectionRequestTimeout(timeout)
                        .build());
        request.headers().forEach(builder::addHeader);
        if (request.body() != null) {
            builder.setBody(
                    request.body(),
                    request.contentType() == null
                            ? ContentType.APPLICATION_OCTET_STREAM
                            : ContentType.parse(request.contentType()));
        }
        var result = new CompletableFuture<OutboundResponse>();
        var context = HttpClientContext.create();
        var runtime = new AtomicReference<AsyncExecRuntime>();
        context.setAttribute(RUNTIME, runtime);
        // Answered by its head, an exchange ends as soon as the bytes kept have come.
        var consumer = new CappedResponseConsumer(
                request.maxResponseBytes(), request.answeredByHead() ? result::complete : answer -> {});
        var exchange = client.execute(
                SimpleRequestProducer.create(builder.build()), consumer, context, new FutureCallback<>() {
                    @Override
                    public void completed(OutboundResponse response) {
                        result.complete(response);
                    }

                    @Override
                    public void failed(Exception error) {
                        fail(result, error, request, consumer);
                    }

                    @Override
                    public void cancelled() {
                        result.cancel(false);
                    }
                });
        var deadline = new CompletableFuture<Void>().orTimeout(request.timeout().toNanos(), TimeUnit.NANOSECONDS);
        deadline.whenComplete((ignored, timedOut) -> {
            if (timedOut != null) {
                fail(result, timedOut, request, consumer);
            }
        });
        // Ended early (the body cut short, a timeout, a cancel), the exchange is aborted, and its
        // connection closed; else a no-op. Cancelling the exchange alone closed the connection only
        // on its first use: over one kept alive from an earlier request, the request went on to its
        // end at the receiver, the answer discarded (an interrupted http task still ran there).
        result.whenComplete((response, error) -> {
            deadline.complete(null);
            if (!exchange.isDone()) {
                exchange.cancel(true);
                var held = runtime.get();
                if (held != null) {
                    held.discardEndpoint();
                }
            }
        });
        return result;
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

    /**
     * Ends {@code result} on {@code error}: with the answer as far as it has come if the request is
     * answered by its head and that head came, else with the error.
     */
    private static void fail(
            CompletableFuture<OutboundResponse> result,
            Throwable error,
            OutboundRequest request,
            CappedResponseConsumer consumer) {
        var answer = request.answeredByHead() ? consumer.soFar() : Optional.<OutboundResponse>empty();
        answer.ifPresentOrElse(result::complete, () -> result.completeExceptionally(error));
    }

    @Override
    public void destroy() throws IOException {
        client.close(CloseMode.GRACEFUL);
    }
}
