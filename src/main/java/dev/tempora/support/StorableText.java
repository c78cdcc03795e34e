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

    private static final char NUL = '\u0000';
    private static final char REPLACEMENT = '\uFFFD';

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
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == NUL || (Character.isSurrogate(c) && !paired(text, i))) {
                replaced.append(REPLACEMENT);
            } else {
                replaced.append(c);
                if (Character.isHighSurrogate(c)) {
                    replaced.append(text.charAt(++i));
                }
            }
        }
        return replaced.toString();
    }

    /** {@code text} cut to its first {@code max} characters (its column's size), then {@link #of}. */
    public static String of(String text, int max) {
        return of(text == null || text.length() <= max ? text : text.substring(0, max));
    }

    /** Whether every database stores {@code text} as it is: no U+0000, no surrogate without its pair. */
    public static boolean storable(String text) {
        if (text == null) {
            return true;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == NUL || (Character.isSurrogate(c) && !paired(text, i))) {
                return false;
            }
            if (Character.isHighSurrogate(c)) {
                i++; // its low half, checked by paired
            }
        }
        return true;
    }

    /** Whether the surrogate at {@code i} is half of a pair: a high one before a low one. */
    private static boolean paired(String text, int i) {
        char c = text.charAt(i);
        return Character.isHighSurrogate(c)
                ? i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))
                : i > 0 && Character.isHighSurrogate(text.charAt(i - 1));
    }
}
