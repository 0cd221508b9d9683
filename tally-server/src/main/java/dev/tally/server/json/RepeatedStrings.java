package dev.tally.server.json;

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
 * only costs what making each string costs anyway). Shared by all threads without locks: a slot is one reference, and
 * a string is immutable and safely published through its final fields, so a thread sees either some string whose
 * characters it compares or an empty slot; a lost write only makes a later lookup make its string again.
 */
final class RepeatedStrings {
    /** A power of two: room for the customers, models, endpoints and active users of a busy minute. */
    private static final int SLOTS = 4096;
    private final String[] table = new String[SLOTS];

    /**
     * The string of {@code length} characters of {@code chars} from {@code offset}: one held already when its
     * characters are the same, else a new one, held from now on.
     */
    String of(char[] chars, int offset, int length) {
        int hash = 0;
        for (int i = offset, end = offset + length; i < end; i++) {
            hash = 31 * hash + chars[i]; // String.hashCode's, so the slot of a string is found from its characters
        }
        int slot = (hash ^ (hash >>> 16)) & (SLOTS - 1);
        String held = table[slot];
        if (held != null && held.length() == length && held.hashCode() == hash && sameChars(held, chars, offset)) {
            return held;
        }
        String made = new String(chars, offset, length);
        table[slot] = made;
        return made;
    }

    private static boolean sameChars(String s, char[] chars, int offset) {
        for (int i = 0, n = s.length(); i < n; i++) {
            if (s.charAt(i) != chars[offset + i]) {
                return false;
            }
        }
        return true;
    }
}
