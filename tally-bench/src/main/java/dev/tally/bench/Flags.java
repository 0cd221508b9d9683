package dev.tally.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The {@code --name value} arguments of a benchmark command. Every flag has a default; an unknown flag or a value
 * out of range stops the command with a message naming the flag, the value and the rule.
 */
final class Flags {
    private final Map<String, String> values = new LinkedHashMap<>();
    private final Set<String> known;

    private Flags(Set<String> known) {
        this.known = known;
    }

    /** Parses {@code args} against the known flag names (without the dashes). */
    static Flags parse(String[] args, String usage, String... known) {
        Flags flags = new Flags(Set.of(known));
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                System.out.println(usage);
                System.exit(0);
            }
            if (!arg.startsWith("--") || !flags.known.contains(arg.substring(2))) {
                throw new IllegalArgumentException("unknown argument \"" + arg + "\"\n" + usage);
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(arg + " needs a value\n" + usage);
            }
            flags.values.put(arg.substring(2), args[++i]);
        }
        return flags;
    }

    String text(String name, String defaultValue, String... allowed) {
        String value = values.getOrDefault(name, defaultValue);
        if (allowed.length > 0 && !Set.of(allowed).contains(value)) {
            throw new IllegalArgumentException("--" + name + " must be one of " + String.join(", ", allowed)
                    + ", was " + value);
        }
        return value;
    }

    long number(String name, long defaultValue, long min, long max) {
        String value = values.get(name);
        long n;
        try {
            n = value == null ? defaultValue : Long.parseLong(value.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a whole number, was " + value);
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException("--" + name + " must be from " + min + " to " + max + ", was " + n);
        }
        return n;
    }

    int integer(String name, int defaultValue, int min, int max) {
        return (int) number(name, defaultValue, min, max);
    }
}
