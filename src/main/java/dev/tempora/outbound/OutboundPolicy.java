package dev.tempora.outbound;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.util.Locale;
import java.util.Optional;
import org.springframework.stereotype.Component;

/** Decides which URLs and addresses outbound requests may reach. */
@Component
public class OutboundPolicy {

    private final boolean allowPrivate;

    OutboundPolicy(OutboundProperties properties) {
        this.allowPrivate = properties.allowPrivate();
    }

    /** Why {@code url} may not be called at all, judged from its text alone; empty if it may be tried. */
    public Optional<String> refuseUrl(URI url) {
        if (!url.isAbsolute() || url.getHost() == null) {
            return Optional.of("must be an absolute http or https URL");
        }
        var scheme = url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return Optional.of("must use http or https");
        }
        // Both would fail every attempt: the client refuses user info, and no port is outside these.
        if (url.getRawUserInfo() != null) {
            return Optional.of("must not carry credentials (user:password@); send them in a header");
        }
        if (url.getPort() == 0 || url.getPort() > 65_535) {
            return Optional.of("must have a port from 1 to 65535");
        }
        // An address written in the URL can be judged now; names are judged at connect time.
        return literalAddress(url.getHost()).flatMap(this::refuseAddress);
    }

    /** Why a connection to {@code address} is refused; empty if it is allowed. */
    public Optional<String> refuseAddress(InetAddress address) {
        if (address.isLinkLocalAddress()) {
            return Optional.of("link-local addresses are never called");
        }
        if (!allowPrivate && isPrivate(address)) {
            return Optional.of("loopback and private addresses are not allowed (tempora.outbound.allow-private=false)");
        }
        return Optional.empty();
    }

    private static Optional<InetAddress> literalAddress(String host) {
        var bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        boolean literal = bare.contains(":") || bare.chars().allMatch(c -> c == '.' || Character.isDigit(c));
        if (!literal) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.ofLiteral(bare));
        } catch (IllegalArgumentException notLiteral) {
            return Optional.empty();
        }
    }

    private static boolean isPrivate(InetAddress address) {
        if (address.isLoopbackAddress()
                || address.isAnyLocalAddress()
                || address.isSiteLocalAddress()
                || address.isMulticastAddress()) {
            return true;
        }
        byte[] bytes = address.getAddress();
        if (address instanceof Inet6Address) {
            return (bytes[0] & 0xFE) == 0xFC; // fc00::/7, unique local
        }
        return (bytes[0] & 0xFF) == 100 && (bytes[1] & 0xC0) == 64; // 100.64/10, carrier-grade NAT
    }
}
