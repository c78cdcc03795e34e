package dev.tempora.support;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;

/** What every JSON request body must be before its fields are read. */
public final class RequestBodies {

    private RequestBodies() {}

    /**
     * Checks that {@code body} is a JSON object (else a {@code 400} on {@code body}) and returns a
     * problem for each field of it not among {@code fields}, in a list the caller adds its own to.
     * Unknown fields are refused, never ignored: a misspelt one must not silently mean its default.
     */
    public static List<FieldProblem> unknownFields(JsonNode body, Set<String> fields) {
        if (body == null || !body.isObject()) {
            throw new InvalidRequestException("body", "must be a JSON object");
        }
        var problems = new ArrayList<FieldProblem>();
        for (var name : body.propertyNames()) {
            if (!fields.contains(name)) {
                problems.add(new FieldProblem(name, notKnown(fields)));
            }
        }
        return problems;
    }

    /** What is said of a field not among {@code fields}: the known ones, in alphabetical order. */
    public static String notKnown(Set<String> fields) {
        return "is not a known field; known are " + new TreeSet<>(fields);
    }

    /**
     * {@code node} as an {@code int}, if it is one: written as an integer, or with a zero fraction
     * ({@code 8.0}, {@code 1e2}), as JSON Schema's {@code integer} counts numbers, since JSON itself
     * has one number type and some clients write every number with a point.
     */
    public static OptionalInt intValue(JsonNode node) {
        if (node == null || !node.isNumber()) {
            return OptionalInt.empty();
        }
        if (node.isIntegralNumber()) {
            return node.canConvertToInt() ? OptionalInt.of(node.intValue()) : OptionalInt.empty();
        }
        if ((node.isDouble() || node.isFloat()) && !Double.isFinite(node.doubleValue())) {
            return OptionalInt.empty();
        }
        try {
            // Exact: refuses a fraction or an overflow from precision and scale alone, so an
            // exponent such as 1e-999999999 costs nothing.
            return OptionalInt.of(node.decimalValue().intValueExact());
        } catch (ArithmeticException notAnInt) {
            return OptionalInt.empty();
        }
    }
}
