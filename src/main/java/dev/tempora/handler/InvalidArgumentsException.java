package dev.tempora.handler;

/** A task's {@code args} do not suit its handler; {@link #field()} names the offending part. */
public class InvalidArgumentsException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String field;

    public InvalidArgumentsException(String field, String message) {
        super(message);
        this.field = field;
    }

    /** The path of the offending field, e.g. {@code args.seconds}. */
    public String field() {
        return field;
    }
}
