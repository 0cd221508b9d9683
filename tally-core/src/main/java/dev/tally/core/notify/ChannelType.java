package dev.tally.core.notify;

import java.util.Locale;
import java.util.Optional;

/** How a channel delivers: an HTTP POST of a signed JSON event, or an e-mail over SMTP. */
public enum ChannelType {
    WEBHOOK, EMAIL;

    /** The name used in JSON and {@code tally.yaml}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The type with this wire name, or empty. */
    public static Optional<ChannelType> fromWire(String name) {
        for (ChannelType t : values()) {
            if (t.wireName().equals(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
