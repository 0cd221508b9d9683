package dev.tally.server.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The size of the HTTP pool on platform threads: derived from the cores unless configured, never too small. */
class ServerConfigHttpThreadsTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} cores -> {1} threads")
    @CsvSource({"1, 4", "2, 6", "4, 10", "16, 34"})
    void defaultHttpThreads_twoPerCorePlusJettysOwn_atLeastTheMinimum(int cores, int threads) {
        assertThat(ServerConfig.defaultHttpThreads(cores)).isEqualTo(threads);
    }

    @Test
    void httpThreads_unset_isDerivedFromThisMachinesCores() {
        ServerConfig config = ServerConfig.fromEnvironment(Map.of());

        assertThat(config.httpThreads()).isZero();
        assertThat(config.effectiveHttpThreads())
                .isEqualTo(ServerConfig.defaultHttpThreads(Runtime.getRuntime().availableProcessors()));
    }

    @Test
    void httpThreads_fromEnvironment_isUsedAsIs() {
        assertThat(ServerConfig.fromEnvironment(Map.of("TALLY_HTTP_THREADS", "12")).effectiveHttpThreads())
                .isEqualTo(12);
    }

    @Test
    void httpThreads_belowTheMinimum_isRejectedNamingValueAndRule() {
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(Map.of("TALLY_HTTP_THREADS", "3")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("HTTP threads must be 0 (derived from the cores) or at least 4, was 3");
    }

    @Test
    void httpThreads_inTallyYaml_overridesTheEnvironment() throws IOException {
        Path yaml = Files.writeString(dir.resolve("tally.yaml"), "server:\n  http_threads: 9\n");

        ServerConfig config = ConfigFile.read(yaml)
                .applyServerSection(ServerConfig.fromEnvironment(Map.of("TALLY_HTTP_THREADS", "12")));

        assertThat(config.effectiveHttpThreads()).isEqualTo(9);
    }
}
