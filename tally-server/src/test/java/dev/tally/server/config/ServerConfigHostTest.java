package dev.tally.server.config;

import dev.tally.server.testing.ServerProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

/** Issue 15.7: {@code tally serve} answers this machine only unless {@code TALLY_HOST} says otherwise. */
class ServerConfigHostTest {
    @TempDir
    Path dir;

    @Test
    void fromEnvironment_noHost_listensOnLoopbackOnly() {
        assertThat(ServerConfig.fromEnvironment(Map.of()).host()).isEqualTo("127.0.0.1");
        assertThat(ServerConfig.fromEnvironment(Map.of("TALLY_HOST", "0.0.0.0")).host()).isEqualTo("0.0.0.0");
    }

    @Test
    void serve_noHost_refusesConnectionsOnOtherInterfaces() throws Exception {
        Optional<InetAddress> external = externalAddress();
        assumeThat(external).as("a non-loopback IPv4 address to try").isPresent();
        try (ServerProcess server = ServerProcess.start(dir, "host-test-admin-key")) {
            try (Socket loopback = new Socket()) {
                loopback.connect(new InetSocketAddress("127.0.0.1", server.port()), 2000);
                assertThat(loopback.isConnected()).isTrue();
            }
            assertThatThrownBy(() -> {
                try (Socket other = new Socket()) {
                    other.connect(new InetSocketAddress(external.get(), server.port()), 2000);
                }
            }).isInstanceOf(java.io.IOException.class);
        }
    }

    private static Optional<InetAddress> externalAddress() throws Exception {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nic.isUp() || nic.isLoopback()) {
                continue;
            }
            for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                if (a instanceof java.net.Inet4Address && !a.isLoopbackAddress()) {
                    return Optional.of(a);
                }
            }
        }
        return Optional.empty();
    }
}
