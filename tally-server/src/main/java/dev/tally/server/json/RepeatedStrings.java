package dev.tally.server.json;

import java.util.Arrays;

/**
 * The strings that events repeat (customer ids, providers, models, endpoints, end users), each kept once and handed
 * out again for the same characters, so that a request's hundred events share a handful of strings.
 *
 * <p>Why: every event's customer, provider, model and endpoint was a new string made from the request bytes, a
 * seventh of the ingesting threads' allocation, and every map that the event then passes through (the catalog, the
 * compiled limits, the counters, the alert watches) hashed each new string again ({@code String.hashCode} was a
 * tenth of those threads' own time). A string handed out again carries its hash already.
 *
 * <p>A fixed table of {@value #SLOTS} slots, one string per slot by the hash of its characters; a new string takes its
 * slot from whatever held it, so memory stays bounded however many distinct values arrive (a stream of unique values
 * costs little more than making each string). Shared by all threads without locks: a slot is one reference to an
 * immutable pair, safely published through its final fields, so a thread sees either a pair whose characters it
 * compares or an empty slot; a lost write only makes a later lookup make its string again.
 */
final class RepeatedStrings {
    /** A power of two: room for the customers, models, endpoints and active users of a busy minute. */
    private static final int SLOTS = 4096;
    private final Held[] table = new Held[SLOTS];

    /**
     * A string and a copy of its characters, compared with {@link Arrays#equals(char[], int, int, char[], int, int)}
     * (vectorized), not character by character through {@code String.charAt}: an object per slot, so a thread never
     * sees the string of one value beside the characters of another.
     */
    private record Held(String string, char[] chars) {
    }

    /**
     * The string of {@code length} characters of {@code chars} from {@code offset}: one held already when its
     * characters are the same, else a new one, held from now on.
     */
    String of(char[] chars, int offset, int length) {
        int end = offset + length;
        int hash = 0;
        for (int i = offset; i < end; i++) {
            hash = 31 * hash + chars[i];
        }
        int slot = (hash ^ (hash >>> 16)) & (SLOTS - 1);
        Held held = table[slot];
        if (held != null && Arrays.equals(held.chars, 0, held.chars.length, chars, offset, end)) {
            return held.string;
        }
        char[] copy = Arrays.copyOfRange(chars, offset, end);
        String made = new String(copy);
        table[slot] = new Held(made, copy);
        return made;
    }
}
