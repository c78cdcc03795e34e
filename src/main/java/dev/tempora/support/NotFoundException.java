package dev.tempora.support;

/** A named resource (a pool, a delivery) that does not exist; answered 404. */
public class NotFoundException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public NotFoundException(String message) {
        super(message);
    }
}
