package dev.tempora.support;

import java.util.Locale;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.origin.Origin;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.validation.FieldError;

/**
 * The start-up report of a configuration value out of range, as Spring Boot's own, with two
 * differences: properties are named as the README and the environment write them
 * ({@code tempora.dispatch.max-in-memory}, not {@code tempora.dispatch.maxInMemory}; {@code
 * tempora.pools.default.size}, not {@code tempora.pools[default].size}), and the value of a
 * secret is not printed (a secret with one stray character went to the log whole).
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
public class ConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<BindValidationException> {

    private static final Pattern UPPER = Pattern.compile("(?<=[a-z0-9])([A-Z])");

    /** A bracketed key ({@code [default]}, {@code [1]}) in a field's path, and what is between them. */
    private static final Pattern KEY = Pattern.compile("\\[([^\\]]*)\\]");

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, BindValidationException cause) {
        var description = new StringBuilder("A configuration value is not valid:%n".formatted());
        for (var error : cause.getValidationErrors().getAllErrors()) {
            if (error instanceof FieldError field) {
                var name = propertyName(field.getObjectName(), field.getField());
                description.append("%n    Property: %s".formatted(name));
                description.append("%n    Value: %s".formatted(value(name, field.getRejectedValue())));
                var origin = Origin.from(field);
                if (origin != null) {
                    description.append("%n    Origin: %s".formatted(origin));
                }
            } else {
                description.append("%n    Properties: %s".formatted(error.getObjectName()));
            }
            description.append("%n    Reason: %s%n".formatted(error.getDefaultMessage()));
        }
        return new FailureAnalysis(
                description.toString(),
                "Update the application's configuration: see the README's \"Configuration\" for each property.",
                cause);
    }

    /**
     * {@code prefix.field} as written in configuration: names in kebab case, a map key as a path
     * element and as it was written ({@code pools[bigJobs].size} is {@code pools.bigJobs.size}), a
     * list index in brackets.
     */
    public static String propertyName(String prefix, String field) {
        var name = new StringBuilder(prefix);
        var keys = KEY.matcher(field);
        int from = 0;
        while (keys.find()) {
            name.append(kebab(field.substring(from, keys.start())));
            var key = keys.group(1);
            name.append(key.chars().allMatch(Character::isDigit) ? "[" + key + "]" : "." + key);
            from = keys.end();
        }
        name.append(kebab(field.substring(from)));
        return name.toString();
    }

    /** A run of the field's path outside brackets, its leading dot kept, in kebab case. */
    private static String kebab(String names) {
        var dotted = names.isEmpty() || names.startsWith(".") ? names : "." + names;
        return UPPER.matcher(dotted).replaceAll("-$1").toLowerCase(Locale.ROOT);
    }

    private static String value(String name, Object rejected) {
        if (name.endsWith("secret") || name.endsWith("password")) {
            return "(not shown: a secret)";
        }
        return "\"" + rejected + "\"";
    }
}
