package dev.tally.server.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The PostgreSQL roller's pass interval: 5 s unless set in the environment or {@code tally.yaml}, within bounds. */
class ServerConfigRollupIntervalTest {
    @TempDir
    Path dir;

    @Test
    void rollupInterval_unset_isFiveSeconds() {
        assertThat(ServerConfig.fromEnvironment(Map.of()).rollupInterval()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void rollupInterval_fromEnvironment_isInMilliseconds() {
        assertThat(ServerConfig.fromEnvironment(Map.of("TALLY_ROLLUP_INTERVAL_MS", "750")).rollupInterval())
                .isEqualTo(Duration.ofMillis(750));
    }

    @Test
    void rollupInterval_outOfBounds_isRejectedNamingValueAndRule() {
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(Map.of("TALLY_ROLLUP_INTERVAL_MS", "50")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("rollup interval must be 100 to 300000 ms, was 50");
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(Map.of("TALLY_ROLLUP_INTERVAL_MS", "300001")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("rollup interval must be 100 to 300000 ms, was 300001");
    }

    @Test
    void rollupInterval_inTallyYaml_overridesTheEnvironment() throws IOException {
        Path yaml = Files.writeString(dir.resolve("tally.yaml"), "server:\n  rollup_interval_ms: 2000\n");

        ServerConfig config = ConfigFile.read(yaml)
                .applyServerSection(ServerConfig.fromEnvironment(Map.of("TALLY_ROLLUP_INTERVAL_MS", "750")));

        assertThat(config.rollupInterval()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void rollupInterval_inTallyYaml_outOfBounds_namesTheKey() throws IOException {
        Path yaml = Files.writeString(dir.resolve("tally.yaml"), "server:\n  rollup_interval_ms: 10\n");

        assertThatThrownBy(() -> ConfigFile.read(yaml).applyServerSection(ServerConfig.fromEnvironment(Map.of())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("server.rollup_interval_ms");
    }
}
