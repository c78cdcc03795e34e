package dev.tempora.support;

/** A request body over {@code tempora.api.max-body-size}; answered 413. */
public class PayloadTooLargeException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    PayloadTooLargeException(long limit) {
        super("The request body is larger than the limit of " + limit + " bytes");
    }
}
