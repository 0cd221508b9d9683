package dev.tally.server.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** A server that cannot start says why in a line or two, not in a stack trace (docs/configuration.md, Settings). */
class ServeFailureTest {
    @TempDir
    Path dir;

    @Test
    void serve_configFileThatCannotBeRead_saysSoWithoutAStackTrace_exit1() {
        Path missing = dir.resolve("missing.yaml");

        Cli.Result r = new Cli().run("serve", "--config", missing.toString(), "--data-dir", dir.toString(),
                "--port", "0");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).as(r.toString()).startsWith("tally serve: " + missing + ": cannot be read")
                .doesNotContain("\tat ");
        assertThat(r.err().lines().count()).as(r.toString()).isLessThanOrEqualTo(3);
    }
}
