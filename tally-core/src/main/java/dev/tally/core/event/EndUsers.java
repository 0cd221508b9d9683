package dev.tally.core.event;

import dev.tally.core.problem.Problems;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;

/**
 * The rules of an event's end user and dimensions, which events, authorizations, checks and limits share.
 *
 * <p>A {@code user} is 1 to {@value #MAX_USER_CHARS} characters of free text. {@code dimensions} are at most
 * {@value #MAX_DIMENSIONS} pairs; a key is lower_snake_case (a letter, then letters, digits and {@code _}, at most
 * {@value #MAX_KEY_CHARS} characters) and a value 1 to {@value #MAX_VALUE_CHARS} characters. The bounds keep an
 * event's key small and the rollups countable; the report truncation ({@code "(other)"}) bounds them further.
 */
public final class EndUsers {
    /** The longest end user name. */
    public static final int MAX_USER_CHARS = 128;
    /** The most dimension keys an event may carry. */
    public static final int MAX_DIMENSIONS = 8;
    /** The longest dimension key. */
    public static final int MAX_KEY_CHARS = 64;
    /** The longest dimension value. */
    public static final int MAX_VALUE_CHARS = 128;
    /** The user or dimension value under which a report sums everything past its cardinality bound. */
    public static final String OTHER = "(other)";
    /** No dimensions. */
    public static final SortedMap<String, String> NONE = Collections.emptySortedMap();

    private EndUsers() {
    }

    /** Whether {@code user} is a valid end user name. */
    public static boolean isValidUser(String user) {
        return user != null && !user.isEmpty() && user.length() <= MAX_USER_CHARS;
    }

    /** Whether {@code key} is a valid dimension key: lower_snake_case, at most {@value #MAX_KEY_CHARS} characters. */
    public static boolean isValidKey(String key) {
        // By hand rather than by regex: it runs for every dimension of every ingested event.
        if (key == null || key.isEmpty() || key.length() > MAX_KEY_CHARS) {
            return false;
        }
        char first = key.charAt(0);
        if (first < 'a' || first > 'z') {
            return false;
        }
        for (int i = 1; i < key.length(); i++) {
            char c = key.charAt(i);
            if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') && c != '_') {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code value} is a valid dimension value. */
    public static boolean isValidValue(String value) {
        return value != null && !value.isEmpty() && value.length() <= MAX_VALUE_CHARS;
    }

    /** Records a problem if {@code user} (not null) breaks the rules; {@code field} names it. */
    public static void checkUser(String field, String user, Problems problems) {
        if (!isValidUser(user)) {
            problems.add(field, "must be 1 to " + MAX_USER_CHARS + " characters, was " + user.length());
        }
    }

    /** Records a problem for each key or value of {@code dimensions} that breaks the rules; {@code field} names it. */
    public static void checkDimensions(String field, Map<String, String> dimensions, Problems problems) {
        if (dimensions.size() > MAX_DIMENSIONS) {
            problems.add(field, "must have at most " + MAX_DIMENSIONS + " keys, had " + dimensions.size());
            return;
        }
        dimensions.forEach((key, value) -> {
            if (!isValidKey(key)) {
                problems.add(field + "." + key, "key must be lower_snake_case (a-z, 0-9, _; starting with a letter),"
                        + " at most " + MAX_KEY_CHARS + " characters");
            } else if (!isValidValue(value)) {
                problems.add(field + "." + key, "must be 1 to " + MAX_VALUE_CHARS + " characters, was "
                        + (value == null ? "null" : value.length()));
            }
        });
    }
}
