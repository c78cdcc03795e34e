package dev.tempora.support;

import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.core.StreamReadFeature;

/**
 * The one JSON mapper's settings beyond Spring Boot's. A request body that names a field twice is
 * refused: which of the two would count is up to each parser (Jackson's default takes the last),
 * so {@code {"handler": "echo", "handler": "fail"}} must not quietly run either.
 */
@Configuration(proxyBeanMethods = false)
class JsonConfiguration {

    @Bean
    JsonMapperBuilderCustomizer strictDuplicateDetection() {
        return builder -> builder.enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION);
    }
}
