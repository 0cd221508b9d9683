package dev.tally.core.alert;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A position in the alert list ordered by (created desc, id desc); travels to clients as an opaque string.
 *
 * @param createdMs when the last alert of the previous page was created, epoch milliseconds
 * @param id        its id
 */
public record AlertCursor(long createdMs, String id) {
    /** The opaque text form. */
    public String encode() {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((createdMs + ":" + id).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Decodes a cursor from {@link #encode()}.
     *
     * @throws IllegalArgumentException if the text is not a cursor this server made
     */
    public static AlertCursor decode(String text) {
        try {
            String raw = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8);
            int colon = raw.indexOf(':');
            return new AlertCursor(Long.parseLong(raw.substring(0, colon)), raw.substring(colon + 1));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("is not a cursor returned by this API");
        }
    }
}
