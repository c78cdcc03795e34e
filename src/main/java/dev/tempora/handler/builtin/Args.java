package dev.tempora.handler.builtin;

import dev.tempora.handler.InvalidArgumentsException;
import dev.tempora.support.RequestBodies;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/** Checks shared by the built-in handlers' argument validation. */
final class Args {

    private Args() {}

    /**
     * Refuses a field of {@code args} (an object) not among {@code fields}, as unknown fields of a
     * request body are: a misspelt {@code "methd"} must not silently mean {@code GET}.
     */
    static void knownFields(JsonNode args, Set<String> fields) throws InvalidArgumentsException {
        if (args.isObject()) {
            for (var name : args.propertyNames()) {
                if (!fields.contains(name)) {
                    throw new InvalidArgumentsException("args." + name, RequestBodies.notKnown(fields));
                }
            }
        }
    }

    /** {@code args} must be an object, or absent (JSON null) when every field is optional. */
    static void optionalObject(JsonNode args) throws InvalidArgumentsException {
        if (!args.isNull() && !args.isObject()) {
            throw new InvalidArgumentsException("args", "must be an object");
        }
    }
}
