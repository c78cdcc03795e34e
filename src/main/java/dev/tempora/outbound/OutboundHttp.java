package dev.tempora.outbound;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.async.methods.SimpleRequestProducer;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.core5.concurrent.FutureCallback;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * The one HTTP client for outbound requests. Non-blocking, so a waiting caller can be interrupted
 * (cancelling the exchange) and a hanging peer holds no thread; redirects are never followed.
 */
@Component
public class OutboundHttp implements DisposableBean {

    private final OutboundPolicy policy;
    private final CloseableHttpAsyncClient client;

    OutboundHttp(OutboundPolicy policy) {
        this.policy = policy;
        var connections = PoolingAsyncClientConnectionManagerBuilder.create()
                .setDnsResolver(new PolicyDnsResolver(policy))
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(Timeout.ofSeconds(10))
                        .build())
                .setMaxConnTotal(256)
                .setMaxConnPerRoute(64)
                .build();
        this.client = HttpAsyncClients.custom()
                .setConnectionManager(connections)
                .disableRedirectHandling()
                .disableAutomaticRetries()
                .disableCookieManagement()
                .build();
        client.start();
    }

    /**
     * Sends {@code request}. The future fails with {@link OutboundRefusedException} when the policy
     * refuses the URL or every address of its host, and with {@link java.util.concurrent.TimeoutException}
     * when the exchange outlasts {@code request.timeout()}; cancelling it aborts the exchange.
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
        var exchange = client.execute(
                SimpleRequestProducer.create(builder.build()),
                new CappedResponseConsumer(request.maxResponseBytes()),
                new FutureCallback<>() {
                    @Override
                    public void completed(OutboundResponse response) {
                        result.complete(response);
                    }

                    @Override
                    public void failed(Exception error) {
                        result.completeExceptionally(error);
                    }

                    @Override
                    public void cancelled() {
                        result.cancel(false);
                    }
                });
        result.orTimeout(request.timeout().toNanos(), TimeUnit.NANOSECONDS).whenComplete((response, error) -> {
            if (error != null) {
                exchange.cancel(true);
            }
        });
        return result;
    }

    @Override
    public void destroy() throws IOException {
        client.close(CloseMode.GRACEFUL);
    }
}
