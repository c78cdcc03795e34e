package dev.tempora.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** The connect-time check: every address a host resolves to passes the policy, or none is used. */
class PolicyDnsResolverTests {

    final PolicyDnsResolver allowPrivate = new PolicyDnsResolver(new OutboundPolicy(new OutboundProperties(true)));
    final PolicyDnsResolver denyPrivate = new PolicyDnsResolver(new OutboundPolicy(new OutboundProperties(false)));

    @Test
    void linkLocalIsRefusedWhateverTheSetting() {
        for (var resolver : new PolicyDnsResolver[] {allowPrivate, denyPrivate}) {
            assertThatThrownBy(() -> resolver.resolve("169.254.169.254"))
                    .isInstanceOf(OutboundRefusedException.class)
                    .hasMessageContaining("link-local");
            assertThatThrownBy(() -> resolver.resolve("fe80::1")).isInstanceOf(OutboundRefusedException.class);
        }
    }

    @Test
    void cloudMetadataOutsideTheLinkLocalRangesIsRefusedWhateverTheSetting() throws Exception {
        for (var resolver : new PolicyDnsResolver[] {allowPrivate, denyPrivate}) {
            for (var host : new String[] {"fd00:ec2::254", "100.100.100.200"}) {
                assertThatThrownBy(() -> resolver.resolve(host))
                        .as(host)
                        .isInstanceOf(OutboundRefusedException.class)
                        .hasMessageContaining("metadata");
            }
        }
        assertThat(allowPrivate.resolve("fd00:ec2::253")).isNotEmpty();
    }

    @Test
    void privateAndLoopbackFollowTheSetting() throws Exception {
        for (var host : new String[] {"127.0.0.1", "localhost", "10.1.2.3", "172.16.0.1", "192.168.0.1", "fd00::1"}) {
            assertThat(allowPrivate.resolve(host)).as(host).isNotEmpty();
            assertThatThrownBy(() -> denyPrivate.resolve(host)).as(host).isInstanceOf(OutboundRefusedException.class);
        }
    }

    @Test
    void publicAddressesAreAllowed() throws Exception {
        assertThat(denyPrivate.resolve("93.184.215.14")).containsExactly(InetAddress.getByName("93.184.215.14"));
        assertThat(denyPrivate.resolve("2606:4700::1111", 443)).hasSize(1);
    }
}
