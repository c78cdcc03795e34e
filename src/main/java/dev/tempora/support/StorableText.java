package dev.tempora.support;

/**
 * Text that comes from outside and goes into the database: PostgreSQL's text types cannot hold
 * the character U+0000 (the write fails), while H2's can. Where such text is a client's input it is
 * refused ({@link #holdsNul}); where it is what a handler threw or a receiver answered, each U+0000
 * is stored as U+FFFD, the replacement character, on every database alike.
 */
public final class StorableText {

    private static final char NUL = '\u0000';
    private static final char REPLACEMENT = '\uFFFD';

    private StorableText() {}

    /** {@code text} with each U+0000 replaced by U+FFFD; {@code null} stays {@code null}. */
    public static String of(String text) {
        return holdsNul(text) ? text.replace(NUL, REPLACEMENT) : text;
    }

    /** {@code text} cut to its first {@code max} characters (its column's size), then {@link #of}. */
    public static String of(String text, int max) {
        return of(text == null || text.length() <= max ? text : text.substring(0, max));
    }

    public static boolean holdsNul(String text) {
        return text != null && text.indexOf(NUL) >= 0;
    }
}
