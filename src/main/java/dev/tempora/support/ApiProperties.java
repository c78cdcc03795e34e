package dev.tempora.support;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;

/**
 * {@code tempora.api.*}.
 *
 * @param maxBodySize requests with a larger body are refused with 413; at least a byte
 * @param allowedHosts host names, beyond {@code localhost}, IP addresses and the machine's own name,
 *     that a request reaching this instance on a loopback address may give in its {@code
 *     Host} header; {@code *} allows any (see {@link BrowserSafetyFilter})
 */
@ConfigurationProperties("tempora.api")
public record ApiProperties(
        @DefaultValue("1MB") DataSize maxBodySize,
        @DefaultValue List<String> allowedHosts) implements Validator {

    /** Spring Boot applies this when binding: Bean Validation has no constraint for a {@link DataSize}. */
    @Override
    public boolean supports(Class<?> type) {
        return type == ApiProperties.class;
    }

    @Override
    public void validate(Object target, Errors errors) {
        if (((ApiProperties) target).maxBodySize().toBytes() < 1) {
            errors.rejectValue("maxBodySize", "tooSmall", "must be at least 1 byte");
        }
    }
}
