package dev.tally.server.config;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What docs/configuration.md promises of the {@code TALLY_*} variables: blank is unset, out of range stops. */
class ServerConfigEnvironmentTest {
    /** Every variable {@link ServerConfig#fromEnvironment} reads. */
    private static final List<String> VARIABLES = List.of("TALLY_HOST", "TALLY_PORT", "TALLY_DATA_DIR",
            "TALLY_DATABASE_URL", "TALLY_REDIS_URL", "TALLY_REDIS_PREFIX", "TALLY_ADMIN_KEY", "TALLY_CONFIG",
            "TALLY_RETENTION_DAYS", "TALLY_MAX_BODY_BYTES", "TALLY_WRITER_LINGER_MS", "TALLY_WRITER_MAX_BATCH",
            "TALLY_FAILURE_POLICY", "TALLY_HTTP_THREADS", "TALLY_WEBHOOK_ALLOW_INTERNAL",
            "TALLY_BODY_TIMEOUT_SECONDS", "TALLY_ROLLUP_INTERVAL_MS");

    @Test
    void fromEnvironment_everyVariableEmptyOrBlank_givesTheDefaults() {
        ServerConfig defaults = ServerConfig.fromEnvironment(Map.of());
        for (String blank : List.of("", "  ")) {
            Map<String, String> env = new HashMap<>();
            VARIABLES.forEach(name -> env.put(name, blank));

            ServerConfig config = ServerConfig.fromEnvironment(env);

            // Before: host "" (Jetty's any address), data dir "" and a config file "" (the working directory).
            assertThat(config).as("every variable set to '%s'", blank).isEqualTo(defaults);
            assertThat(config.host()).isEqualTo("127.0.0.1");
        }
    }

    @Test
    void fromEnvironment_writerSettingsOutOfRange_stopNamingTheVariable() {
        // They were checked only when the writer was built, after the store had opened, as "maxBatchEvents must be
        // >= 1", which names no setting an operator can find.
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(Map.of("TALLY_WRITER_MAX_BATCH", "0")))
                .hasMessage("TALLY_WRITER_MAX_BATCH must be at least 1, was 0");
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(Map.of("TALLY_WRITER_LINGER_MS", "-1")))
                .hasMessage("TALLY_WRITER_LINGER_MS must be at least 0, was -1");
    }

    @Test
    void fromEnvironment_portBeyondAnInt_stopsInsteadOfWrapping() {
        // 4294975376 is 2^32 + 8080: a cast to int would quietly listen on 8080.
        assertThatThrownBy(() -> ServerConfig.fromEnvironment(Map.of("TALLY_PORT", "4294975376")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("TALLY_PORT must be at most 2147483647, was 4294975376");
    }
}
