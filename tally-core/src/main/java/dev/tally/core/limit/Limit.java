package dev.tally.core.limit;

import dev.tally.core.event.EndUsers;
import dev.tally.core.metric.MetricUnit;
import dev.tally.core.period.Window;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A limit on one metric over one window, optionally narrowed to a provider, model, endpoint, end user or dimensions,
 * and optionally applying to each end user (or each value of a dimension) separately.
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
 * @param user       count only events of this end user; null for all
 * @param dimensions count only events whose dimensions hold all these pairs; empty for all
 * @param per        {@code "user"} or {@code "dimensions.KEY"}: the amount applies to each user (or each value of
 *                   KEY) separately, and events without one are not counted; null for one counter
 */
public record Limit(String name, String metric, Window window, BigDecimal amount, LimitMode mode,
                    String provider, String model, String endpoint, List<Integer> thresholds,
                    String user, SortedMap<String, String> dimensions, String per) {
    /** Alert levels used when a limit names none. */
    public static final List<Integer> DEFAULT_THRESHOLDS = List.of(50, 80, 100);
    /** The {@code per} that gives every end user a counter of its own. */
    public static final String PER_USER = "user";
    /** The prefix of a {@code per} that gives every value of one dimension a counter of its own. */
    public static final String PER_DIMENSION_PREFIX = "dimensions.";

    public Limit {
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(window, "window");
        mode = mode == null ? LimitMode.HARD : mode;
        thresholds = thresholds == null ? DEFAULT_THRESHOLDS : List.copyOf(thresholds);
        dimensions = dimensions == null || dimensions.isEmpty() ? EndUsers.NONE
                : Collections.unmodifiableSortedMap(new TreeMap<>(dimensions));
        name = name == null ? defaultName(metric, window, provider, model, endpoint, user, dimensions, per) : name;
    }

    /** A limit on the customer as a whole: no end user, dimension or {@code per}. */
    public Limit(String name, String metric, Window window, BigDecimal amount, LimitMode mode,
                 String provider, String model, String endpoint, List<Integer> thresholds) {
        this(name, metric, window, amount, mode, provider, model, endpoint, thresholds, null, null, null);
    }

    /** The identity of a limit inside a plan: a customer override with the same key replaces the plan's limit. */
    public LimitKey key() {
        return new LimitKey(metric, window, provider, model, endpoint, user, dimensions, per);
    }

    public boolean isUnlimited() {
        return amount == null;
    }

    /** Whether an event of this provider, model and endpoint counts toward this limit (end users aside). */
    public boolean matches(String eventProvider, String eventModel, String eventEndpoint) {
        return (provider == null || provider.equals(eventProvider))
                && (model == null || model.equals(eventModel))
                && (endpoint == null || endpoint.equals(eventEndpoint));
    }

    /**
     * Whether this limit looks at end users or dimensions at all: its usage cannot be read from the customer's own
     * rollups, and a {@code per} limit has a counter per user or value rather than one.
     */
    public boolean isEndUserScoped() {
        return user != null || !dimensions.isEmpty() || per != null;
    }

    /**
     * Whether an event of this end user and these dimensions counts toward this limit: it matches the user and
     * dimension filters, and for a {@code per} limit it names a user (or a value of the key).
     */
    public boolean matchesEndUser(String eventUser, Map<String, String> eventDimensions) {
        if (user != null && !user.equals(eventUser)) {
            return false;
        }
        for (Map.Entry<String, String> pair : dimensions.entrySet()) {
            if (!pair.getValue().equals(eventDimensions.get(pair.getKey()))) {
                return false;
            }
        }
        return per == null || perValue(eventUser, eventDimensions) != null;
    }

    /** Which of a {@code per} limit's counters an event counts in: its user, or its value of the key; else null. */
    public String perValue(String eventUser, Map<String, String> eventDimensions) {
        if (per == null) {
            return null;
        }
        return PER_USER.equals(per) ? eventUser : eventDimensions.get(perDimensionKey());
    }

    /** The dimension key of a {@code per: "dimensions.KEY"} limit; null otherwise. */
    public String perDimensionKey() {
        return per != null && per.startsWith(PER_DIMENSION_PREFIX) ? per.substring(PER_DIMENSION_PREFIX.length())
                : null;
    }

    /** The unit its metric is counted in (calls, nano-dollars or micros). */
    public MetricUnit unit() {
        return MetricUnit.of(metric);
    }

    /** The derived name: the filters that are set, the metric, the window and the {@code per}, joined by dashes. */
    public static String defaultName(String metric, Window window, String provider, String model, String endpoint,
                                     String user, Map<String, String> dimensions, String per) {
        StringBuilder sb = new StringBuilder();
        for (String part : new String[]{provider, model, endpoint, user}) {
            appendSlug(sb, part);
        }
        for (String value : dimensions.values()) {
            appendSlug(sb, value);
        }
        sb.append(metric).append('-').append(window.wireName());
        if (per != null) {
            sb.append("-per-").append(PER_USER.equals(per) ? per : per.substring(PER_DIMENSION_PREFIX.length()));
        }
        return sb.toString();
    }

    private static void appendSlug(StringBuilder sb, String part) {
        if (part != null) {
            String slug = part.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.]+", "-").replaceAll("^-|-$", "");
            if (!slug.isEmpty()) {
                sb.append(slug).append('-');
            }
        }
    }

    /** What makes two limits "the same limit" for overrides. */
    public record LimitKey(String metric, Window window, String provider, String model, String endpoint,
                           String user, SortedMap<String, String> dimensions, String per) {
        public LimitKey {
            dimensions = dimensions == null ? EndUsers.NONE : dimensions;
        }

        /** The key of a limit on the customer as a whole. */
        public LimitKey(String metric, Window window, String provider, String model, String endpoint) {
            this(metric, window, provider, model, endpoint, null, null, null);
        }
    }
}
