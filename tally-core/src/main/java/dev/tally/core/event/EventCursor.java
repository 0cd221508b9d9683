package dev.tally.core.event;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A position in an event log ordered by (timestamp desc, seq desc); travels to clients as an opaque string.
 *
 * @param timestampMs the timestamp of the last event of the previous page
 * @param seq         its sequence number
 */
public record EventCursor(long timestampMs, long seq) {
    public String encode() {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((timestampMs + ":" + seq).getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Decodes a cursor from {@link #encode()}.
     *
     * @throws IllegalArgumentException if the text is not a cursor this server made
     */
    public static EventCursor decode(String text) {
        try {
            String raw = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.US_ASCII);
            int colon = raw.indexOf(':');
            return new EventCursor(Long.parseLong(raw.substring(0, colon)), Long.parseLong(raw.substring(colon + 1)));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("is not a cursor returned by this API");
        }
    }
}
