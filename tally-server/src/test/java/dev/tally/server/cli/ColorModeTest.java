package dev.tally.server.cli;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ColorModeTest {
    @Test
    void auto_terminalWithoutNoColor_colors() {
        assertThat(ColorMode.AUTO.enabled(true, Map.of())).isTrue();
        assertThat(ColorMode.AUTO.enabled(true, Map.of("NO_COLOR", ""))).isTrue();
    }

    @Test
    void auto_noColorSetOrNoTerminal_isPlain() {
        assertThat(ColorMode.AUTO.enabled(true, Map.of("NO_COLOR", "1"))).isFalse();
        assertThat(ColorMode.AUTO.enabled(false, Map.of())).isFalse();
    }

    @Test
    void alwaysAndNever_ignoreTerminalAndEnvironment() {
        assertThat(ColorMode.ALWAYS.enabled(false, Map.of("NO_COLOR", "1"))).isTrue();
        assertThat(ColorMode.NEVER.enabled(true, Map.of())).isFalse();
    }

    @Test
    void converter_anyCase_readsModeAndRejectsOthers() {
        assertThat(new ColorMode.Converter().convert("Always")).isEqualTo(ColorMode.ALWAYS);
        assertThatThrownBy(() -> new ColorMode.Converter().convert("sometimes"))
                .hasMessage("must be auto, always or never, was 'sometimes'");
    }
}
