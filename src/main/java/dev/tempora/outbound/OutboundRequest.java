package dev.tempora.outbound;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * One outbound HTTP request.
 *
 * @param body the request body, or {@code null} for none
 * @param contentType the body's media type, or {@code null} for none
 * @param timeout for the whole exchange, connect to last byte
 * @param maxResponseBytes response body bytes kept; the rest is read and dropped
 */
public record OutboundRequest(
        String method,
        URI url,
        Map<String, String> headers,
        byte[] body,
        String contentType,
        Duration timeout,
        int maxResponseBytes) {

    public OutboundRequest {
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }
}
