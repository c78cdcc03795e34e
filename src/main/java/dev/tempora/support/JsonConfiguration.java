package dev.tempora.support;

import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;

/**
 * The one JSON mapper's settings beyond Spring Boot's. A request body that names a field twice is
 * refused: which of the two would count is up to each parser (Jackson's default takes the last),
 * so {@code {"handler": "echo", "handler": "fail"}} must not quietly run either.
 *
 * <p>Numbers with a fraction or exponent are read as {@link java.math.BigDecimal}, not double, so
 * that a task's args and result are kept as sent: as doubles, {@code 1e400} became the string
 * {@code "Infinity"} and {@code 0.1000000000000000055511151231257827} was rounded, and
 * {@code echo} did not return its args unchanged. Code that needs a double must mind the range
 * ({@code asDouble()} throws beyond it); durations go through {@link Durations}.
 */
@Configuration(proxyBeanMethods = false)
class JsonConfiguration {

    @Bean
    JsonMapperBuilderCustomizer strictDuplicateDetection() {
        return builder -> builder.enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION);
    }

    @Bean
    JsonMapperBuilderCustomizer exactNumbers() {
        return builder -> builder.enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    }
}
