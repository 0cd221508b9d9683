package dev.tally.server.json;

import com.fasterxml.jackson.core.JsonProcessingException;

import java.util.regex.Pattern;

/**
 * A JSON syntax error in words for people (issue 15.8): where it is and what was wrong, without the parser's
 * internals (its source descriptions, feature names, character codes and start-marker locations).
 */
public final class JsonErrors {
    /** Parenthesised asides of Jackson's messages that only make sense to its developers. */
    private static final Pattern INTERNALS = Pattern.compile(
            "\\s*\\((?:start marker at|through reference chain|for Object starting at|for Array starting at)"
                    + "[^()]*(?:\\([^()]*\\)[^()]*)*\\)|\\s*\\(code [^)]*\\)|\\s*\\[Source:[^\\]]*\\]");

    private JsonErrors() {
    }

    /** "line 1, column 12: unexpected character '}': was expecting double-quote to start field name". */
    public static String describe(JsonProcessingException e) {
        String where = e.getLocation() == null ? ""
                : "line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ": ";
        return where + reason(e.getOriginalMessage());
    }

    /** The message without Jackson's internals, starting in lower case. */
    static String reason(String original) {
        if (original == null || original.isBlank()) {
            return "malformed";
        }
        String plain = INTERNALS.matcher(original).replaceAll("").replace("\n", " ").trim();
        plain = plain.replace("Unexpected character ('", "unexpected character '").replace("'):", "':");
        plain = plain.replaceAll("(?:a valid value )?\\(JSON String, Number, Array, Object or token 'null', 'true' "
                + "or 'false'\\)", "a JSON value");
        return plain.isEmpty() ? "malformed" : Character.toLowerCase(plain.charAt(0)) + visible(plain.substring(1));
    }

    /** Characters a terminal would not show (a byte order mark, control characters) as their code: U+FEFF. */
    private static String visible(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            int type = Character.getType(c);
            if (Character.isISOControl(c) || type == Character.FORMAT || type == Character.UNASSIGNED) {
                out.append(String.format("U+%04X", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }
}
