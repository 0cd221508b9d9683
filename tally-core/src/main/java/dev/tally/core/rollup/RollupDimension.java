package dev.tally.core.rollup;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The parts of a rollup key below customer and bucket that a read may keep, or sum away. A read of every customer
 * that only needs what limits filter on (usually nothing, or the provider) then gets a few rows per customer instead
 * of one per provider, model and endpoint. Which dimensions a set of limits filters on is
 * {@code dev.tally.core.limit.LimitUsage#dimensions}: rollups know nothing of limits.
 */
public enum RollupDimension {
    PROVIDER, MODEL, ENDPOINT;

    /**
     * Sums {@code rows} over the dimensions not in {@code keep} (their key parts become ""), in key order: the
     * reference that a store's own summing read must equal.
     */
    public static List<RollupRow> sum(List<RollupRow> rows, Set<RollupDimension> keep) {
        Map<RollupKey, RollupCounts> sums = new LinkedHashMap<>();
        for (RollupRow row : rows) {
            sums.computeIfAbsent(keep(row.key(), keep), k -> new RollupCounts()).add(row.counts());
        }
        List<RollupRow> out = new ArrayList<>(sums.size());
        sums.forEach((k, v) -> out.add(new RollupRow(k, v)));
        out.sort(Comparator.comparing((RollupRow r) -> r.key().customerId())
                .thenComparing(r -> r.key().bucketStart()).thenComparing(r -> r.key().provider())
                .thenComparing(r -> r.key().model()).thenComparing(r -> r.key().endpoint()));
        return out;
    }

    private static RollupKey keep(RollupKey k, Set<RollupDimension> keep) {
        return new RollupKey(k.customerId(), k.grain(), k.bucketStart(), keep.contains(PROVIDER) ? k.provider() : "",
                keep.contains(MODEL) ? k.model() : "", keep.contains(ENDPOINT) ? k.endpoint() : "");
    }
}
