package dev.tempora.outbound;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * One outbound HTTP request.
 *
 * @param body the request body, or {@code null} for none
 * @param contentType the body's media type, or {@code null} for none
 * @param timeout for the whole exchange, connect to last byte (to the head, if {@code answeredByHead})
 * @param maxResponseBytes response body bytes kept; the exchange is cut off there, its body marked
 *     truncated (if {@code answeredByHead}, once they have come; otherwise once a byte past them has)
 * @param answeredByHead whether the answer is complete once its status line and headers have come:
 *     of the body, only what comes within the timeout is read, up to {@code maxResponseBytes}, and the
 *     exchange is then closed. Otherwise the whole body must come within the timeout.
 * @param resendable whether it may be sent again, on another connection, when the peer closed the
 *     one it went out on before answering: its method is idempotent (RFC 9110), or its receiver
 *     deduplicates it (a webhook, by {@code webhook-id}). One never sent at all (the connection was
 *     found closed first) is sent again whatever this says.
 */
public record OutboundRequest(
        String method,
        URI url,
        Map<String, String> headers,
        byte[] body,
        String contentType,
        Duration timeout,
        int maxResponseBytes,
        boolean answeredByHead,
        boolean resendable) {

    public OutboundRequest {
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }
}
