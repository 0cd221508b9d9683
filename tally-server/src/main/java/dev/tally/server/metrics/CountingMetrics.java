package dev.tally.server.metrics;

import dev.tally.core.alert.AlertKind;
import dev.tally.core.alert.AlertListener;
import dev.tally.core.enforce.Decision;
import dev.tally.core.enforce.DecisionMetrics;
import dev.tally.core.enforce.DenialCode;
import dev.tally.core.ingest.IngestMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.EnumMap;
import java.util.Map;

/**
 * The domain's counters: decisions ({@code tally_decisions_total}), events ({@code tally_events_total}) and fired
 * alerts ({@code tally_alerts_fired_total}). Every series is registered up front, so each shows from the first
 * scrape (at 0) and the hot paths only increment a counter they already hold.
 */
final class CountingMetrics implements DecisionMetrics, IngestMetrics {
    /** Label value of an allowed decision's code. */
    static final String NO_CODE = "none";

    /** Indexed [reserved ? 1 : 0][code ordinal + 1]; index 0 holds the allowed decisions. */
    private final Counter[][] decisions = new Counter[2][DenialCode.values().length + 1];
    private final Counter accepted;
    private final Counter duplicates;
    private final Counter rejected;
    private final Map<AlertKind, Counter> alerts = new EnumMap<>(AlertKind.class);

    CountingMetrics(MeterRegistry registry) {
        for (int reserved = 0; reserved < 2; reserved++) {
            String action = reserved == 1 ? "authorize" : "check";
            decisions[reserved][0] = decisionCounter(registry, action, "allowed", NO_CODE);
            for (DenialCode code : DenialCode.values()) {
                decisions[reserved][code.ordinal() + 1] = decisionCounter(registry, action, "denied", code.wireName());
            }
        }
        accepted = eventCounter(registry, "accepted");
        duplicates = eventCounter(registry, "duplicate");
        rejected = eventCounter(registry, "rejected");
        for (AlertKind kind : AlertKind.values()) {
            alerts.put(kind, Counter.builder("tally.alerts.fired").description("alerts fired, by kind")
                    .tag("kind", kind.wireName()).register(registry));
        }
    }

    private static Counter decisionCounter(MeterRegistry registry, String action, String result, String code) {
        return Counter.builder("tally.decisions")
                .description("decisions of authorize and check, by result and denial code")
                .tag("action", action).tag("result", result).tag("code", code).register(registry);
    }

    private static Counter eventCounter(MeterRegistry registry, String result) {
        return Counter.builder("tally.events").description("ingested events by what became of them")
                .tag("result", result).register(registry);
    }

    @Override
    public void decided(Decision decision, boolean reserved) {
        // A denial without a code cannot happen today; counted as unavailable rather than dropped if it ever does.
        int index = decision.allowed() ? 0
                : (decision.code() == null ? DenialCode.UNAVAILABLE : decision.code()).ordinal() + 1;
        decisions[reserved ? 1 : 0][index].increment();
    }

    @Override
    public void rejected(int events) {
        rejected.increment(events);
    }

    @Override
    public void committed(int acceptedEvents, int duplicateEvents) {
        accepted.increment(acceptedEvents);
        duplicates.increment(duplicateEvents);
    }

    /** {@code listener}, counting each alert it is told about first. */
    AlertListener counting(AlertListener listener) {
        return alert -> {
            alerts.get(alert.kind()).increment();
            listener.fired(alert);
        };
    }
}
