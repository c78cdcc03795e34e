package dev.tempora.outbound;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code tempora.outbound.*}: the policy for every outbound request.
 *
 * @param allowPrivate whether loopback and private-range addresses (10/8, 172.16/12, 192.168/16,
 *     fc00::/7, ...) may be called; a self-hosted service calls its neighbours, so by default they
 *     may. Link-local addresses (169.254/16, fe80::/10, where cloud metadata lives) never may.
 */
@ConfigurationProperties("tempora.outbound")
public record OutboundProperties(@DefaultValue("true") boolean allowPrivate) {}
