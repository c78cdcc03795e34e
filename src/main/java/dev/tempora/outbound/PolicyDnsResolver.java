package dev.tempora.outbound;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.SystemDefaultDnsResolver;

/**
 * Resolves host names for the HTTP client and drops every address the policy refuses, so the
 * check applies to the very address connected to: a name that resolves to a metadata address
 * (DNS rebinding included) cannot slip through a check made earlier on the URL.
 */
final class PolicyDnsResolver implements DnsResolver {

    private final OutboundPolicy policy;

    PolicyDnsResolver(OutboundPolicy policy) {
        this.policy = policy;
    }

    @Override
    public InetAddress[] resolve(String host) throws UnknownHostException {
        var resolved = SystemDefaultDnsResolver.INSTANCE.resolve(host);
        var allowed = new ArrayList<InetAddress>();
        String refusal = null;
        for (var address : resolved) {
            var refused = policy.refuseAddress(address);
            if (refused.isEmpty()) {
                allowed.add(address);
            } else {
                refusal = refused.get();
            }
        }
        if (allowed.isEmpty()) {
            throw new OutboundRefusedException(
                    "%s (%s) refused by the outbound policy: %s".formatted(host, Arrays.toString(resolved), refusal));
        }
        return allowed.toArray(InetAddress[]::new);
    }

    @Override
    public List<InetSocketAddress> resolve(String host, int port) throws UnknownHostException {
        return Arrays.stream(resolve(host))
                .map(address -> new InetSocketAddress(address, port))
                .toList();
    }

    @Override
    public String resolveCanonicalHostname(String host) throws UnknownHostException {
        return SystemDefaultDnsResolver.INSTANCE.resolveCanonicalHostname(host);
    }
}
