package dev.tally.store;

import dev.tally.core.period.Window;

/** The stored name of a rollup grain: its wire name ({@code minute}, {@code hour}, ...), readable in SQL consoles. */
final class Grains {
    /** Computed once: the write path names a grain for every rollup row it upserts. */
    private static final String[] NAMES = java.util.Arrays.stream(Window.values())
            .map(Window::wireName).toArray(String[]::new);

    private Grains() {
    }

    static String name(Window grain) {
        return NAMES[grain.ordinal()];
    }

    static Window parse(String name) {
        Window grain = Window.fromWireName(name);
        if (grain == null) {
            throw new IllegalArgumentException("unknown rollup grain in the store: " + name);
        }
        return grain;
    }
}
