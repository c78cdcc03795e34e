package dev.tempora.outbound;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;

/** Decides which URLs and addresses outbound requests may reach. */
@Component
public class OutboundPolicy {

    /**
     * Cloud metadata services outside the link-local ranges, refused whatever the setting: AWS's
     * IPv6 endpoint (in the private fc00::/7) and Alibaba Cloud's (in carrier-grade NAT space).
     */
    private static final Set<InetAddress> METADATA =
            Set.of(InetAddress.ofLiteral("fd00:ec2::254"), InetAddress.ofLiteral("100.100.100.200"));

    private static final Pattern LAST_LABEL_NUMBER = Pattern.compile("[0-9]+|0[xX][0-9a-fA-F]*");
    private static final Pattern DOTTED_QUAD = Pattern.compile(
            "((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])");

    private final boolean allowPrivate;

    OutboundPolicy(OutboundProperties properties) {
        this.allowPrivate = properties.allowPrivate();
    }

    /** Why {@code url} may not be called at all, judged from its text alone; empty if it may be tried. */
    public Optional<String> refuseUrl(URI url) {
        if (!url.isAbsolute() || url.getRawAuthority() == null) {
            return Optional.of("must be an absolute http or https URL");
        }
        var scheme = url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return Optional.of("must use http or https");
        }
        // java.net.URI reads a host it cannot parse (127.1, a_b) as no host at all.
        var host = url.getHost() == null ? hostOf(url.getRawAuthority()) : url.getHost();
        if (host.endsWith(".")
                && DOTTED_QUAD.matcher(host.substring(0, host.length() - 1)).matches()) {
            return Optional.of(
                    "has host %s, an IPv4 address with a trailing dot: write it without the dot".formatted(host));
        }
        if (endsInANumber(host) && !DOTTED_QUAD.matcher(host).matches()) {
            return Optional.of(("has host %s, which is not an IPv4 address written as four decimal numbers from 0"
                            + " to 255 (such as 127.0.0.1): shortened, octal and hexadecimal forms are read"
                            + " differently by different programs")
                    .formatted(host));
        }
        if (url.getHost() == null) {
            return Optional.of(
                    host.isEmpty()
                            ? "must name a host"
                            : "has host %s, which is neither a valid host name nor an IP address".formatted(host));
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

    /**
     * Why a connection to {@code address} is refused; empty if it is allowed. An IPv6 address that
     * carries an IPv4 one (NAT64, 6to4, Teredo, IPv4-compatible) is judged by that one too: where
     * such a route exists, {@code [64:ff9b::a9fe:a9fe]} reaches 169.254.169.254.
     */
    public Optional<String> refuseAddress(InetAddress address) {
        var reason = refuseItself(address);
        if (reason.isPresent()) {
            return reason;
        }
        for (var carried : carriedIpv4(address)) {
            var inside = refuseItself(carried);
            if (inside.isPresent()) {
                return Optional.of("%s (%s, inside %s)"
                        .formatted(inside.get(), carried.getHostAddress(), address.getHostAddress()));
            }
        }
        return Optional.empty();
    }

    private Optional<String> refuseItself(InetAddress address) {
        if (address.isLinkLocalAddress()) {
            return Optional.of("link-local addresses are never called");
        }
        if (METADATA.contains(address)) {
            return Optional.of("cloud metadata addresses are never called");
        }
        if (!allowPrivate && isPrivate(address)) {
            return Optional.of("loopback and private addresses are not allowed (tempora.outbound.allow-private=false)");
        }
        return Optional.empty();
    }

    /**
     * The IPv4 addresses an IPv6 one may carry: NAT64 (64:ff9b::/96 in its last four bytes, RFC
     * 6052; 64:ff9b:1::/48 in each layout its prefixes may have, RFC 8215), 6to4 (2002::/16, RFC 3056), Teredo (2001::/32, RFC 4380: its server, and its
     * client inverted) and IPv4-compatible (::a.b.c.d, deprecated). {@code ::ffff:a.b.c.d} is read
     * as the IPv4 address itself.
     */
    static List<InetAddress> carriedIpv4(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return List.of();
        }
        byte[] b = address.getAddress();
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == (byte) 0xff && b[3] == (byte) 0x9b) {
            if (b[4] == 0 && b[5] == 0x01) {
                // The local-use 64:ff9b:1::/48 holds prefixes of its operator's length, each with its
                // own layout (RFC 6052 2.2: /48, /56, /64 skip byte 8; /96 ends the address).
                return List.of(
                        ipv4(b[6], b[7], b[9], b[10]),
                        ipv4(b[7], b[9], b[10], b[11]),
                        ipv4(b[9], b[10], b[11], b[12]),
                        ipv4(b[12], b[13], b[14], b[15]));
            }
            return List.of(ipv4(b[12], b[13], b[14], b[15]));
        }
        if (b[0] == 0x20 && b[1] == 0x02) {
            return List.of(ipv4(b[2], b[3], b[4], b[5]));
        }
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0) {
            return List.of(
                    ipv4(b[4], b[5], b[6], b[7]), ipv4((byte) ~b[12], (byte) ~b[13], (byte) ~b[14], (byte) ~b[15]));
        }
        boolean compatible = true;
        for (int i = 0; i < 12; i++) {
            compatible &= b[i] == 0;
        }
        // Not :: nor ::1, which are themselves (and judged so).
        if (compatible && (b[12] | b[13] | b[14]) != 0) {
            return List.of(ipv4(b[12], b[13], b[14], b[15]));
        }
        return List.of();
    }

    private static InetAddress ipv4(byte a, byte b, byte c, byte d) {
        try {
            return InetAddress.getByAddress(new byte[] {a, b, c, d});
        } catch (UnknownHostException impossible) { // four bytes are always an address
            throw new IllegalStateException(impossible);
        }
    }

    /** The host of an authority that {@link URI} could not parse as one: without user info and port. */
    private static String hostOf(String authority) {
        var host = authority.substring(authority.lastIndexOf('@') + 1);
        return host.replaceFirst(":[0-9]*$", "");
    }

    /**
     * Whether {@code host} is meant as an IPv4 address, as the WHATWG URL standard decides it: its last
     * label (before one final dot) is a decimal or {@code 0x} hexadecimal number. Such a host is only
     * accepted in the one form every program reads alike; 127.1, 2130706433, 0x7f000001 and 0177.0.0.1
     * are 127.0.0.1 to curl and browsers, but not all of them to Java, and a form Java does not read
     * as an address would be sent to the DNS resolver.
     */
    private static boolean endsInANumber(String host) {
        var trimmed = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        var last = trimmed.substring(trimmed.lastIndexOf('.') + 1);
        return LAST_LABEL_NUMBER.matcher(last).matches();
    }

    private static Optional<InetAddress> literalAddress(String host) {
        var bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        int zone = bare.indexOf('%');
        if (bare.contains(":") && zone >= 0) {
            // An IPv6 zone ("%25eth0" in a URL) names an interface, not another address.
            bare = bare.substring(0, zone);
        }
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
        int a = bytes[0] & 0xFF;
        int b = bytes[1] & 0xFF;
        return a == 0 // 0/8, "this network"
                || (a == 100 && (b & 0xC0) == 64) // 100.64/10, carrier-grade NAT
                || (a == 192 && b == 0 && bytes[2] == 0) // 192.0.0/24, IETF protocol assignments
                || (a == 198 && (b & 0xFE) == 18) // 198.18/15, benchmarking, used inside some networks
                || a >= 240; // 240/4, reserved, and broadcast
    }
}
