package dev.tempora.support;

/**
 * Text that comes from outside and goes into the database: PostgreSQL's text types cannot hold
 * the character U+0000 (the write fails), while H2's can; nor a surrogate without its pair (a
 * string's half of an emoji), which PostgreSQL's driver stores as {@code ?}, so that a task answered
 * {@code 201} read back otherwise than sent. Where such text is a client's input it is refused
 * ({@link #storable}); where it is what a handler threw or a receiver answered, each such character
 * is stored as U+FFFD, the replacement character, on every database alike.
 */
public final class StorableText {

    /** What {@link #storable} refuses, for the messages that name it. */
    public static final String UNSTORABLE = "U+0000 or a surrogate without its pair";

    private static final int REPLACEMENT = 0xFFFD;

    private StorableText() {}

    /**
     * {@code text} with each U+0000 and each surrogate without its pair replaced by U+FFFD; {@code
     * null} stays {@code null}.
     */
    public static String of(String text) {
        if (storable(text)) {
            return text;
        }
        var replaced = new StringBuilder(text.length());
        text.codePoints().map(c -> unstorable(c) ? REPLACEMENT : c).forEach(replaced::appendCodePoint);
        return replaced.toString();
    }

    /** {@code text} cut to its first {@code max} characters (its column's size), then {@link #of}. */
    public static String of(String text, int max) {
        return of(text == null || text.length() <= max ? text : text.substring(0, max));
    }

    /** Whether every database stores {@code text} as it is: no U+0000, no surrogate without its pair. */
    public static boolean storable(String text) {
        return text == null || text.codePoints().noneMatch(StorableText::unstorable);
    }

    /**
     * A code point of a string is a surrogate only where it has no pair: a pair is read as the one
     * code point beyond U+FFFF that it stands for.
     */
    private static boolean unstorable(int codePoint) {
        return codePoint == 0 || (codePoint >= Character.MIN_SURROGATE && codePoint <= Character.MAX_SURROGATE);
    }
}
