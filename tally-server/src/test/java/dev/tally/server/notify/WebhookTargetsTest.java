package dev.tally.server.notify;

import dev.tally.server.config.ServerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Issue 11, point 8: which webhook targets are internal, in every spelling, and what an allow-list lets through. */
class WebhookTargetsTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            http://169.254.169.254/latest/meta-data/       | the cloud metadata address
            http://[fd00:ec2::254]/                         | the cloud metadata address
            http://[::1]/                                   | a loopback address
            http://127.0.0.1:8080/hook                      | a loopback address
            http://user:pw@127.0.0.1:8080/hook              | a loopback address
            http://2130706433/                              | a loopback address
            http://0x7f.1/                                  | a loopback address
            http://0x7f000001/                              | a loopback address
            http://017700000001/                            | a loopback address
            http://0177.0.0.1/                              | a loopback address
            http://127.1/                                   | a loopback address
            http://127.0.0.1./                              | a loopback address
            http://[::ffff:127.0.0.1]/                      | a loopback address
            http://[0:0:0:0:0:ffff:7f00:1]/                 | a loopback address
            http://[64:ff9b::7f00:1]/                       | a loopback address inside an IPv6 address
            http://[2002:7f00:1::]/                         | a loopback address inside an IPv6 address
            http://10.1.2.3/                                | a private address (RFC 1918)
            http://172.16.0.1/                              | a private address (RFC 1918)
            http://172.31.255.255/                          | a private address (RFC 1918)
            https://192.168.1.1/                            | a private address (RFC 1918)
            http://[fc00::1]/                               | a unique local (private) address
            http://[fdab:1234::5]/                          | a unique local (private) address
            http://169.254.1.1/                             | a link-local address
            http://[fe80::1]/                               | a link-local address
            http://[fe80::1%25eth0]/                        | a link-local address
            http://0.0.0.0/                                 | an unspecified address (0.0.0.0/8)
            http://0/                                       | an unspecified address (0.0.0.0/8)
            http://[::]/                                    | the unspecified address
            http://100.64.0.1/                              | a shared (carrier-grade NAT) address
            http://100.127.255.254/                         | a shared (carrier-grade NAT) address
            http://224.0.0.1/                               | a multicast, reserved or broadcast address
            http://255.255.255.255/                         | a multicast, reserved or broadcast address
            http://[ff02::1]/                               | a multicast address
            """)
    void refusalOfLiteral_internalAddressInAnySpelling_namesItsKind(String url, String kind) {
        assertThat(WebhookTargets.PUBLIC_ONLY.refusalOfLiteral(URI.create(url))).contains(kind)
                .contains("webhook_allow_internal");
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://93.184.216.34/hook", "http://[2606:4700::1111]/", "http://172.32.0.1/",
            "http://100.128.0.1/", "http://169.253.0.1/", "http://8.8.8.8:8080/", "https://hooks.example.com/x",
            "http://localhost/", "http://0x7f.example.com/"})
    void refusalOfLiteral_publicAddressOrName_isNull(String url) {
        // Names are not looked up when a channel is written; deliveries check what they resolve to.
        assertThat(WebhookTargets.PUBLIC_ONLY.refusalOfLiteral(URI.create(url))).isNull();
    }

    @Test
    void refusalAtDelivery_nameResolvingToLoopback_isRefused() throws Exception {
        assertThat(WebhookTargets.PUBLIC_ONLY.refusalAtDelivery(URI.create("http://localhost:9/hook")))
                .startsWith("localhost (").contains("a loopback address");
    }

    @Test
    void allowList_addressesBlocksAndNames_allowExactlyThose() throws Exception {
        WebhookTargets targets = WebhookTargets.parse(" 127.0.0.1, 10.0.0.0/8 ,fd12:3456::/32, Hooks.Internal ");
        assertThat(targets.allowed()).containsExactly("127.0.0.1", "10.0.0.0/8", "fd12:3456::/32", "Hooks.Internal");
        assertThat(targets.refusalOfLiteral(URI.create("http://127.0.0.1:8080/"))).isNull();
        assertThat(targets.refusalOfLiteral(URI.create("http://[::ffff:127.0.0.1]/"))).isNull();
        assertThat(targets.refusalOfLiteral(URI.create("http://127.0.0.2/"))).contains("loopback");
        assertThat(targets.refusalOfLiteral(URI.create("http://10.200.3.4/"))).isNull();
        assertThat(targets.refusalOfLiteral(URI.create("http://192.168.0.1/"))).contains("private");
        assertThat(targets.refusalOfLiteral(URI.create("http://[fd12:3456:1::9]/"))).isNull();
        assertThat(targets.refusalOfLiteral(URI.create("http://[fd12:3457::9]/"))).contains("unique local");
        assertThat(targets.refusalOfLiteral(URI.create("http://169.254.169.254/"))).contains("metadata");
        // An allowed name is not resolved at all (hooks.internal does not exist here).
        assertThat(targets.refusalAtDelivery(URI.create("https://hooks.internal./tally"))).isNull();
        assertThat(WebhookTargets.parse("localhost").refusalAtDelivery(URI.create("http://localhost:9/"))).isNull();
        assertThat(WebhookTargets.parse("0.0.0.0/0, ::/0").refusalOfLiteral(URI.create("http://[::1]/"))).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.0/33", "fd00::/129", "0x7f.1", "127.1", "2130706433", "not a host!", "10.0.0.0/x",
            "http://hooks.internal"})
    void allowList_entryThatIsNoBlockAddressOrName_isRejectedNamingIt(String entry) {
        assertThatThrownBy(() -> WebhookTargets.parse("127.0.0.1," + entry))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"" + entry + "\"");
    }

    @Test
    void serverConfig_environmentVariable_isTheAllowListOrAnErrorNamingIt() {
        assertThat(ServerConfig.fromEnvironment(Map.of()).webhookTargets()).isSameAs(WebhookTargets.PUBLIC_ONLY);
        assertThat(ServerConfig.fromEnvironment(Map.of(WebhookTargets.ALLOW_VARIABLE, "10.0.0.0/8,hooks.internal"))
                .webhookTargets().allowed()).containsExactly("10.0.0.0/8", "hooks.internal");
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(Map.of(WebhookTargets.ALLOW_VARIABLE, "10.0.0.0/8,a b")))
                .hasMessageContaining("TALLY_WEBHOOK_ALLOW_INTERNAL").hasMessageContaining("\"a b\"");
    }

    @Test
    void allowList_blank_isPublicOnly() {
        assertThat(WebhookTargets.parse("  ")).isSameAs(WebhookTargets.PUBLIC_ONLY);
        assertThat(WebhookTargets.parse(null)).isSameAs(WebhookTargets.PUBLIC_ONLY);
    }
}
