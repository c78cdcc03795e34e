package dev.tempora.handler.builtin;

import dev.tempora.handler.InvalidArgumentsException;
import tools.jackson.databind.JsonNode;

/** Checks shared by the built-in handlers' argument validation. */
final class Args {

    private Args() {}

    /** {@code args} must be an object, or absent (JSON null) when every field is optional. */
    static void optionalObject(JsonNode args) throws InvalidArgumentsException {
        if (!args.isNull() && !args.isObject()) {
            throw new InvalidArgumentsException("args", "must be an object");
        }
    }
}
