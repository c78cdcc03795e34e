package dev.tempora.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

/** The check of a URL's text, made at submit and again before each request; it never resolves a name. */
class OutboundPolicyTests {

    final OutboundPolicy policy = new OutboundPolicy(new OutboundProperties(true));

    @Test
    void anIpv4HostIsAcceptedOnlyAsFourDecimalNumbers() {
        for (var url : new String[] {
            "http://127.0.0.1/", "http://10.0.0.255:8080/x", "https://0.0.0.0/", "http://255.255.255.255/"
        }) {
            assertThat(policy.refuseUrl(URI.create(url))).as(url).isEmpty();
        }
        for (var host : new String[] {
            "127.1",
            "127.0.1",
            "2130706433",
            "0",
            "0x7f000001",
            "0x7f.0.0.1",
            "0177.0.0.1",
            "127.0.0.01",
            "256.1.1.1",
            "1.2.3.4.5",
            "example.123"
        }) {
            assertThat(policy.refuseUrl(URI.create("http://" + host + ":8080/x")))
                    .as(host)
                    .hasValueSatisfying(reason -> assertThat(reason)
                            .startsWith("has host " + host + ",")
                            .contains("four decimal numbers"));
        }
        assertThat(policy.refuseUrl(URI.create("http://127.0.0.1.:8080/x")))
                .hasValue("has host 127.0.0.1., an IPv4 address with a trailing dot: write it without the dot");
    }

    @Test
    void namesAndIpv6AddressesAreNotTakenForNumbers() {
        for (var url : new String[] {"http://localhost/", "http://1a/", "http://example.org./", "http://[::1]:9/"}) {
            assertThat(policy.refuseUrl(URI.create(url))).as(url).isEmpty();
        }
        assertThat(policy.refuseUrl(URI.create("http://a_b.example/")))
                .hasValue("has host a_b.example, which is neither a valid host name nor an IP address");
        assertThat(policy.refuseUrl(URI.create("http://:8080/"))).hasValue("must name a host");
        assertThat(policy.refuseUrl(URI.create("mailto:someone@example.org")))
                .hasValue("must be an absolute http or https URL");
        assertThat(policy.refuseUrl(URI.create("ftp://127.1/"))).hasValue("must use http or https");
    }

    /** Where NAT64 or 6to4 routes exist, these reach the IPv4 address they carry. Found by review. */
    @Test
    void anIpv6AddressCarryingARefusedIpv4AddressIsRefused() {
        for (var host : new String[] {
            "[64:ff9b::a9fe:a9fe]",
            "[64:ff9b:1::a9fe:a9fe]",
            "[::169.254.169.254]",
            "[2002:a9fe:a9fe::]",
            "[2001:0:a9fe:a9fe::]",
            "[2001:0:102:304::5601:5601]",
            "[::ffff:169.254.169.254]",
            "[64:ff9b:1:a9fe:a9:fe00::]"
        }) {
            assertThat(policy.refuseUrl(URI.create("http://" + host + "/")))
                    .as(host)
                    .hasValueSatisfying(
                            reason -> assertThat(reason).startsWith("link-local addresses are never called"));
        }
        var strict = new OutboundPolicy(new OutboundProperties(false));
        for (var host : new String[] {"[64:ff9b::7f00:1]", "[::10.0.0.1]", "[2002:c0a8:101::]"}) {
            assertThat(strict.refuseUrl(URI.create("http://" + host + "/")))
                    .as(host)
                    .hasValueSatisfying(reason -> assertThat(reason).startsWith("loopback and private addresses"));
        }
        for (var host : new String[] {"[64:ff9b::808:808]", "[2002:808:808::]", "[2606:4700::1111]", "[::1]"}) {
            assertThat(policy.refuseUrl(URI.create("http://" + host + "/")))
                    .as(host)
                    .isEmpty();
        }
    }

    /**
     * With private addresses refused, so are the IPv4 ranges that are not public either: "this
     * network" (0/8), IETF protocol assignments (192.0.0/24), benchmarking (198.18/15, used inside
     * some networks), the reserved 240/4 and broadcast. Found by review: they were allowed.
     */
    @Test
    void withPrivateAddressesRefusedTheOtherNonPublicIpv4RangesAreRefusedToo() {
        var strict = new OutboundPolicy(new OutboundProperties(false));
        for (var host : new String[] {
            "0.1.2.3",
            "192.0.0.8",
            "198.18.0.1",
            "198.19.255.254",
            "240.0.0.1",
            "255.255.255.255",
            "[::ffff:198.18.0.1]"
        }) {
            assertThat(strict.refuseUrl(URI.create("http://" + host + "/")))
                    .as(host)
                    .hasValueSatisfying(reason -> assertThat(reason).startsWith("loopback and private addresses"));
        }
        for (var host : new String[] {"192.0.2.1", "198.17.255.255", "198.20.0.1", "223.255.255.254", "8.8.8.8"}) {
            assertThat(strict.refuseUrl(URI.create("http://" + host + "/")).orElse(""))
                    .as(host)
                    .doesNotStartWith("loopback and private addresses");
        }
    }
}
