package dev.tempora.support;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * {@code tempora.api.*}.
 *
 * @param maxBodySize requests with a larger body are refused with 413
 */
@ConfigurationProperties("tempora.api")
public record ApiProperties(@DefaultValue("1MB") DataSize maxBodySize) {}
