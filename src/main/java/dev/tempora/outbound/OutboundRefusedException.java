package dev.tempora.outbound;

import java.net.UnknownHostException;

/**
 * A host's every address is refused by the outbound policy. An {@link UnknownHostException} so
 * that the HTTP client treats it as a failed resolution and never connects.
 */
public class OutboundRefusedException extends UnknownHostException {

    private static final long serialVersionUID = 1L;

    OutboundRefusedException(String message) {
        super(message);
    }
}
