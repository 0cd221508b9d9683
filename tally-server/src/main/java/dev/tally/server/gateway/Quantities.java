package dev.tally.server.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.metric.Quantity;

import java.util.SortedMap;

/** Small helpers the providers share to turn counts into event quantities and estimates. */
final class Quantities {
    /** About four bytes of text per token for the usual tokenizers: a prompt estimate, never billed. */
    static final int BYTES_PER_TOKEN = 4;
    private static final long MICROS = Quantity.ONE;

    private Quantities() {
    }

    /** Puts {@code count} units of {@code metric} (when positive) into {@code micros}. */
    static void put(SortedMap<String, Long> micros, String metric, long count) {
        if (count > 0) {
            micros.put(metric, Math.multiplyExact(count, MICROS));
        }
    }

    /** The tokens a prompt of this many bytes is expected to hold (at least 1). */
    static long promptTokens(int bodyBytes) {
        return Math.max(1, bodyBytes / BYTES_PER_TOKEN);
    }

    /** The non-negative integer at {@code node}, else 0. */
    static long count(JsonNode node) {
        return node != null && node.canConvertToLong() && node.asLong() > 0 ? node.asLong() : 0;
    }

    /** The text at {@code node}, else null. */
    static String text(JsonNode node) {
        return node != null && node.isTextual() ? node.asText() : null;
    }
}
