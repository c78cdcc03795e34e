package dev.tempora.task;

/**
 * This instance cannot decide the request now, as it starts or stops: nothing was changed, and the
 * same request may succeed shortly (once it has joined the node list), or on another instance.
 */
public class NotReadyException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public NotReadyException(String message) {
        super(message);
    }
}
