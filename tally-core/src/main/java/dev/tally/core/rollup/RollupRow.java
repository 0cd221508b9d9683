package dev.tally.core.rollup;

/** One stored rollup: its key and its sums. */
public record RollupRow(RollupKey key, RollupCounts counts) {
}
