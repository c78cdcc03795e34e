package dev.tempora.task;

/**
 * This instance cannot decide the request yet, as it starts: nothing was changed, and the same
 * request may succeed shortly (on H2 or PostgreSQL, once the instance has joined the node list).
 */
public class NotReadyException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public NotReadyException(String message) {
        super(message);
    }
}
