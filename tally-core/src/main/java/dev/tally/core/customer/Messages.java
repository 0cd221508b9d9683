package dev.tally.core.customer;

import dev.tally.core.limit.Limit;
import dev.tally.core.limit.LimitWords;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The texts an operator sets for a plan (or for every plan, in {@code tally.yaml}): the message a denied call
 * answers with and the message of each alert kind, as templates with placeholders such as {@code {customer}} and
 * {@code {percent}} (issue 15.4). A template for one limit, by the limit's name, wins over the plan-wide one of the
 * same kind; a plan's wins over the file's; where none is set the built-in sentence is used.
 *
 * <p>Placeholders are checked when the texts are set ({@link #problems()}), so a typo is a 400 naming the field, never
 * a message with a literal {@code {custmer}} in it. Values are filled in by the caller, already formatted for people
 * (the display rule of {@code MoneyText}, thousands separators).
 *
 * @param kinds  template by kind ({@link #KINDS}): {@code denied}, {@code threshold}, ...
 * @param limits per limit name, template by kind; only the limit kinds ({@link #LIMIT_KINDS})
 */
public record Messages(Map<String, String> kinds, Map<String, Map<String, String>> limits) {
    /** No texts set: every message is the built-in one. */
    public static final Messages NONE = new Messages(Map.of(), Map.of());

    /** Placeholders every kind knows. */
    private static final Set<String> COMMON = Set.of("customer", "customer_id", "plan");
    /** Placeholders of the messages about one limit. */
    private static final Set<String> LIMIT = Set.of("limit", "limit_name", "provider", "used", "amount", "remaining",
            "percent");

    /** The placeholders each kind may use, besides {@code customer}, {@code customer_id} and {@code plan}. */
    public static final Map<String, Set<String>> KINDS = Map.of(
            "denied", union(LIMIT, Set.of("retry_after")),
            "threshold", union(LIMIT, Set.of("threshold")),
            "exceeded", LIMIT,
            "forecast", union(LIMIT, Set.of("date")),
            "rate_spike", Set.of("requests", "baseline", "window"),
            "cost", Set.of("cost", "amount"),
            "unpriced", Set.of("subject", "metrics"));

    /** The kinds that are about one limit, so may be set per limit name. */
    public static final Set<String> LIMIT_KINDS = Set.of("denied", "threshold", "exceeded", "forecast");

    public Messages {
        kinds = Map.copyOf(kinds);
        Map<String, Map<String, String>> copy = new TreeMap<>();
        limits.forEach((name, byKind) -> copy.put(name, Map.copyOf(byKind)));
        limits = Map.copyOf(copy);
    }

    /** Whether nothing is set. */
    public boolean isEmpty() {
        return kinds.isEmpty() && limits.isEmpty();
    }

    /**
     * The template for {@code kind} about the limit named {@code limitName} (null for none): this one's for the
     * limit, this one's for the kind, then {@code fallback}'s in the same order; null when none is set.
     */
    public String template(String kind, String limitName, Messages fallback) {
        String own = own(kind, limitName);
        return own != null || fallback == null ? own : fallback.own(kind, limitName);
    }

    private String own(String kind, String limitName) {
        if (limitName != null) {
            Map<String, String> forLimit = limits.get(limitName);
            if (forLimit != null && forLimit.containsKey(kind)) {
                return forLimit.get(kind);
            }
        }
        return kinds.get(kind);
    }

    /**
     * Every problem of these texts as (field, message) pairs, fields relative to the texts ({@code denied},
     * {@code limits.requests-month.threshold}): an unknown kind, a kind that cannot be set per limit, an empty
     * template, an unknown placeholder or an unclosed brace.
     */
    public List<String[]> problems() {
        List<String[]> out = new ArrayList<>();
        kinds.forEach((kind, template) -> check(kind, kind, template, KINDS.keySet(), out));
        limits.forEach((name, byKind) -> byKind.forEach((kind, template) ->
                check("limits." + name + "." + kind, kind, template, LIMIT_KINDS, out)));
        return out;
    }

    private static void check(String field, String kind, String template, Set<String> allowedKinds,
                              List<String[]> out) {
        if (!allowedKinds.contains(kind)) {
            out.add(new String[]{field, "must be one of " + String.join(", ", new TreeSet<>(allowedKinds))
                    + ", was \"" + kind + "\""});
            return;
        }
        if (template == null || template.isBlank()) {
            out.add(new String[]{field, "must be a non-empty text"});
            return;
        }
        int at = 0;
        while ((at = template.indexOf('{', at)) >= 0) {
            int end = template.indexOf('}', at);
            if (end < 0) {
                out.add(new String[]{field, "has a '{' at " + at + " that is never closed"});
                return;
            }
            String name = template.substring(at + 1, end);
            if (!COMMON.contains(name) && !KINDS.get(kind).contains(name)) {
                out.add(new String[]{field, "unknown placeholder {" + name + "}; a " + kind + " message may use "
                        + placeholders(kind)});
            }
            at = end + 1;
        }
    }

    /** The placeholders of {@code kind}, sorted, in braces: for error messages and docs. */
    public static String placeholders(String kind) {
        List<String> names = new ArrayList<>(union(COMMON, KINDS.get(kind)));
        names.sort(null);
        return "{" + String.join("}, {", names) + "}";
    }

    /** Fills the placeholders of {@code template} from {@code values}; one without a value is left out. */
    public static String render(String template, Map<String, String> values) {
        Objects.requireNonNull(template, "template");
        StringBuilder out = new StringBuilder(template.length() + 32);
        int at = 0;
        while (at < template.length()) {
            int open = template.indexOf('{', at);
            int close = open < 0 ? -1 : template.indexOf('}', open);
            if (close < 0) {
                out.append(template, at, template.length());
                break;
            }
            out.append(template, at, open);
            String value = values.get(template.substring(open + 1, close));
            out.append(value == null ? "" : value);
            at = close + 1;
        }
        return out.toString();
    }

    /** The placeholders every kind knows: {@code customer} (its name), {@code customer_id}, {@code plan}. */
    public static Map<String, String> facts(Customer c) {
        Map<String, String> facts = new HashMap<>();
        facts.put("customer", c.displayName());
        facts.put("customer_id", c.id());
        facts.put("plan", c.planId() == null ? "" : c.planId());
        return facts;
    }

    /**
     * The placeholders of a message about one limit, formatted for people: {@code used} and {@code remaining} as
     * numbers ("520,000", money as "$31.20"), {@code amount} with its unit ("500,000 tokens"), {@code limit} as words
     * ("monthly OpenAI token limit"), {@code provider} as the provider spells itself (empty for a limit on every
     * provider), {@code percent} as "104%".
     */
    public static Map<String, String> facts(Customer c, Limit limit, BigDecimal used, BigDecimal percent) {
        Map<String, String> facts = facts(c);
        facts.put("limit", LimitWords.limit(limit, false));
        facts.put("limit_name", limit.name());
        facts.put("provider", limit.provider() == null ? "" : LimitWords.provider(limit.provider()));
        facts.put("used", LimitWords.quantity(limit, used));
        if (percent != null) {
            facts.put("percent", LimitWords.percent(percent));
        }
        if (limit.amount() != null) {
            facts.put("amount", LimitWords.amount(limit, limit.amount()));
            facts.put("remaining", LimitWords.quantity(limit, limit.amount().subtract(used).max(BigDecimal.ZERO)));
        }
        return facts;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new HashSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }
}
