package dev.tally.core.limit;

import dev.tally.core.metric.MetricUnit;
import dev.tally.core.metric.Metrics;
import dev.tally.core.period.Window;

import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A limit on one metric over one window, optionally narrowed to a provider, model or endpoint.
 *
 * @param name       a stable name; derived from the other fields when not given ({@code openai-tokens-month})
 * @param metric     what is counted: a sent metric, or the derived {@code requests}, {@code tokens}, {@code cost}
 * @param window     the calendar window it counts over
 * @param amount     the most that may be used in one window, exact (USD for {@code cost}); null means unlimited
 * @param mode       hard (blocks) or soft (alerts only)
 * @param provider   count only events of this provider; null for all
 * @param model      count only events of this model; null for all
 * @param endpoint   count only events of this endpoint; null for all
 * @param thresholds alert levels in percent, ascending
 */
public record Limit(String name, String metric, Window window, BigDecimal amount, LimitMode mode,
                    String provider, String model, String endpoint, List<Integer> thresholds) {
    /** Alert levels used when a limit names none. */
    public static final List<Integer> DEFAULT_THRESHOLDS = List.of(50, 80, 100);

    public Limit {
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(window, "window");
        mode = mode == null ? LimitMode.HARD : mode;
        thresholds = thresholds == null ? DEFAULT_THRESHOLDS : List.copyOf(thresholds);
        name = name == null ? defaultName(metric, window, provider, model, endpoint) : name;
    }

    /** The identity of a limit inside a plan: a customer override with the same key replaces the plan's limit. */
    public LimitKey key() {
        return new LimitKey(metric, window, provider, model, endpoint);
    }

    public boolean isUnlimited() {
        return amount == null;
    }

    /** Whether an event of this provider, model and endpoint counts toward this limit. */
    public boolean matches(String eventProvider, String eventModel, String eventEndpoint) {
        return (provider == null || provider.equals(eventProvider))
                && (model == null || model.equals(eventModel))
                && (endpoint == null || endpoint.equals(eventEndpoint));
    }

    /** The unit its metric is counted in (calls, nano-dollars or micros). */
    public MetricUnit unit() {
        return MetricUnit.of(metric);
    }

    /** The derived name: the filters that are set, the metric and the window, joined by dashes. */
    static String defaultName(String metric, Window window, String provider, String model, String endpoint) {
        StringBuilder sb = new StringBuilder();
        for (String part : new String[]{provider, model, endpoint}) {
            if (part != null) {
                String slug = part.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.]+", "-").replaceAll("^-|-$", "");
                if (!slug.isEmpty()) {
                    sb.append(slug).append('-');
                }
            }
        }
        return sb.append(metric).append('-').append(window.wireName()).toString();
    }

    /** What makes two limits "the same limit" for overrides. */
    public record LimitKey(String metric, Window window, String provider, String model, String endpoint) {
    }
}
