package dev.tally.core.limit;

import dev.tally.core.bounds.Bounds;
import dev.tally.core.metric.Metrics;
import dev.tally.core.rollup.RollupCounts;
import dev.tally.core.rollup.RollupDimension;
import dev.tally.core.rollup.RollupKey;
import dev.tally.core.rollup.RollupRow;

import java.math.BigDecimal;
import java.util.Collection;
import java.util.EnumSet;
import java.util.Set;

/** Measures a limit's metric over rollup rows, exactly, honouring its provider, model and endpoint filters. */
public final class LimitUsage {
    private LimitUsage() {
    }

    /** The usage that counts toward {@code limit} among {@code rows} (which must all be of the limit's window). */
    public static BigDecimal used(Limit limit, Collection<RollupRow> rows) {
        return limit.unit().toDecimal(usedRaw(limit, rows));
    }

    /** Like {@link #used}, in the metric's stored unit (calls, nano-dollars or micros). */
    public static long usedRaw(Limit limit, Collection<RollupRow> rows) {
        long sum = 0;
        for (RollupRow row : rows) {
            RollupKey k = row.key();
            if (limit.matches(RollupKey.nullIfEmpty(k.provider()), RollupKey.nullIfEmpty(k.model()),
                    RollupKey.nullIfEmpty(k.endpoint()))) {
                sum = Bounds.saturatedSum(sum, raw(limit.metric(), row.counts()));
            }
        }
        return sum;
    }

    /** The metric's value in its stored unit: calls, nano-dollars, or micros. */
    public static long raw(String metric, RollupCounts counts) {
        return switch (metric) {
            case Metrics.REQUESTS -> counts.requests();
            case Metrics.COST -> counts.costNanos();
            case Metrics.TOKENS -> Metrics.tokenMicros(counts.metricMicros());
            default -> counts.micros(metric);
        };
    }

    /** A limit's amount in the stored unit of its metric (calls, nano-dollars or micros); -1 when unlimited. */
    public static long rawAmount(Limit limit) {
        return limit.amount() == null ? -1 : limit.unit().toStored(limit.amount());
    }

    /** The dimensions that the provider, model and endpoint filters of {@code limits} look at. */
    public static Set<RollupDimension> dimensions(Collection<Limit> limits) {
        Set<RollupDimension> used = EnumSet.noneOf(RollupDimension.class);
        for (Limit l : limits) {
            if (l.provider() != null) {
                used.add(RollupDimension.PROVIDER);
            }
            if (l.model() != null) {
                used.add(RollupDimension.MODEL);
            }
            if (l.endpoint() != null) {
                used.add(RollupDimension.ENDPOINT);
            }
        }
        return used;
    }
}
