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
    /** A map key in brackets; a list index ({@code [1]}) stays as configuration writes it. */
    private static final Pattern KEY = Pattern.compile("\\[([^\\]]*[^\\]\\d][^\\]]*)\\]");

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
            }
            description.append("%n    Reason: %s%n".formatted(error.getDefaultMessage()));
        }
        return new FailureAnalysis(
                description.toString(),
                "Update the application's configuration: see the README's \"Configuration\" for each property.",
                cause);
    }

    /** {@code prefix.field} as written in configuration: kebab case, map keys as path elements. */
    static String propertyName(String prefix, String field) {
        var dotted = KEY.matcher(field).replaceAll(".$1");
        var kebab = UPPER.matcher(dotted).replaceAll("-$1").toLowerCase(Locale.ROOT);
        return prefix.isEmpty() ? kebab : prefix + "." + kebab;
    }

    private static String value(String name, Object rejected) {
        if (name.endsWith("secret") || name.endsWith("password")) {
            return "(not shown: a secret)";
        }
        return "\"" + rejected + "\"";
    }
}
