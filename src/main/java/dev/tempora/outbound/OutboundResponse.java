package dev.tempora.outbound;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * An outbound request's answer.
 *
 * @param headers the response headers, the last value of each name (names in lower case)
 * @param body the first {@code maxResponseBytes} of the body
 * @param truncated whether the body was longer than that, or was cut off before its end
 */
public record OutboundResponse(
        int status, Map<String, String> headers, byte[] body, String contentType, boolean truncated) {

    public boolean isSuccess() {
        return status >= 200 && status < 300;
    }

    public String bodyText() {
        Charset charset = StandardCharsets.UTF_8;
        return new String(body, charset);
    }
}
