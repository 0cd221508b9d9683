package dev.tally.server.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.util.Locale;
import java.util.Map;

/**
 * When text output is coloured with ANSI codes ({@code --color}): {@code auto} colours only an interactive terminal
 * and honours {@code NO_COLOR} (https://no-color.org), {@code always} and {@code never} decide regardless.
 */
enum ColorMode {
    AUTO, ALWAYS, NEVER;

    /** Whether to colour, given whether stdout is a terminal and the environment. */
    boolean enabled(boolean stdoutIsTerminal, Map<String, String> env) {
        return switch (this) {
            case ALWAYS -> true;
            case NEVER -> false;
            case AUTO -> stdoutIsTerminal && isBlank(env.get("NO_COLOR"));
        };
    }

    private static boolean isBlank(String value) {
        return value == null || value.isEmpty();
    }

    /** Reads {@code auto}, {@code always} or {@code never}, in any case. */
    static final class Converter implements ITypeConverter<ColorMode> {
        @Override
        public ColorMode convert(String value) {
            try {
                return ColorMode.valueOf(value.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("must be auto, always or never, was '" + value + "'");
            }
        }
    }
}
