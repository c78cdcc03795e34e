package dev.tempora.support;

/**
 * Limits on the JSON text a task carries (its {@code args} and its result), which is stored as
 * text and written back inside larger documents: the API's task views (three levels down in a list
 * page) and webhook payloads. Jackson refuses to write a document nested deeper than 500 levels, so
 * a value near that depth was accepted, then failed every page that held it, and the outcome write
 * of a task with a callback (its payload built in the same transaction), which stayed RUNNING.
 */
public final class JsonText {

    /** The deepest a task's {@code args} or result may nest: well inside Jackson's 500. */
    public static final int MAX_DEPTH = 400;

    /** The {@code args} and {@code result} columns' size, in characters. */
    public static final int MAX_CHARS = 1024 * 1024;

    private JsonText() {}

    /** How deep {@code json} (valid JSON text) nests its arrays and objects: 0 for a scalar. */
    public static int depth(String json) {
        int depth = 0;
        int deepest = 0;
        boolean inString = false;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++; // the escaped character, whatever it is
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '[' || c == '{') {
                deepest = Math.max(deepest, ++depth);
            } else if (c == ']' || c == '}') {
                depth--;
            }
        }
        return deepest;
    }
}
