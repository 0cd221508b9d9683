package dev.tally.core.limit;

import dev.tally.core.money.MoneyText;
import dev.tally.core.period.Window;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.Map;

/**
 * The words of alert and denial messages, for people (issue 15.4): the customer's name rather than its id, a provider's own
 * spelling ("OpenAI"), the limit described by what it counts ("monthly OpenAI token limit"), numbers with thousands
 * separators ("520,000"), money by the one display rule ({@link MoneyText}), and percents without a needless
 * ".0" ("104%"). Machine-readable facts stay in the alert's own fields.
 */
public final class LimitWords {
    /** Providers whose name is not their id capitalized. */
    private static final Map<String, String> PROVIDERS = Map.ofEntries(
            Map.entry("openai", "OpenAI"), Map.entry("elevenlabs", "ElevenLabs"), Map.entry("deepseek", "DeepSeek"),
            Map.entry("xai", "xAI"), Map.entry("openrouter", "OpenRouter"), Map.entry("aws", "AWS"),
            Map.entry("bedrock", "AWS Bedrock"), Map.entry("azure", "Azure"), Map.entry("huggingface", "Hugging Face"),
            Map.entry("togetherai", "Together AI"), Map.entry("assemblyai", "AssemblyAI"));

    private LimitWords() {
    }

    /** A provider id as the provider spells itself: {@code openai} is OpenAI, {@code anthropic} is Anthropic. */
    public static String provider(String id) {
        String known = PROVIDERS.get(id.toLowerCase(Locale.ROOT));
        if (known != null) {
            return known;
        }
        return id.isEmpty() ? id : Character.toUpperCase(id.charAt(0)) + id.substring(1);
    }

    /**
     * The limit by what it counts: "monthly OpenAI token limit", "daily gpt-4 request limit", "monthly spending
     * limit", with "soft" before a soft one when {@code sayMode}.
     */
    public static String limit(Limit limit, boolean sayMode) {
        StringBuilder out = new StringBuilder();
        if (sayMode && limit.mode() == LimitMode.SOFT) {
            out.append("soft ");
        }
        out.append(adjective(limit.window())).append(' ');
        if (limit.provider() != null) {
            out.append(provider(limit.provider())).append(' ');
        }
        if (limit.model() != null) {
            out.append(limit.model()).append(' ');
        }
        if (limit.endpoint() != null) {
            out.append(limit.endpoint()).append(' ');
        }
        return out.append(noun(limit.metric())).append(" limit").toString();
    }

    /** An amount of the limit's metric: "520,000 tokens", "$31.20", "1 request". */
    public static String amount(Limit limit, BigDecimal value) {
        if (limit.unit().isMoney()) {
            return MoneyText.forPeople(value);
        }
        String number = grouped(value.stripTrailingZeros().toPlainString());
        String unit = limit.metric().replace('_', ' ');
        boolean one = value.compareTo(BigDecimal.ONE) == 0;
        return number + " " + (one && unit.endsWith("s") ? unit.substring(0, unit.length() - 1) : unit);
    }

    /** A number of the limit's metric without its unit ("520,000"), or money ("$31.20"). */
    public static String quantity(Limit limit, BigDecimal value) {
        return limit.unit().isMoney() ? MoneyText.forPeople(value) : grouped(value.stripTrailingZeros().toPlainString());
    }

    /** Used of the limit's amount: "520,000 of 500,000 tokens", "$31.20 of $200.00". */
    public static String usedOf(Limit limit, BigDecimal used, BigDecimal amount) {
        if (limit.unit().isMoney()) {
            return MoneyText.forPeople(used) + " of " + MoneyText.forPeople(amount);
        }
        return grouped(used.stripTrailingZeros().toPlainString()) + " of " + amount(limit, amount);
    }

    /** A percent as people write it: {@code 104.0} is "104%", {@code 85.5} is "85.5%". */
    public static String percent(BigDecimal percent) {
        BigDecimal p = percent.setScale(1, RoundingMode.HALF_UP).stripTrailingZeros();
        return (p.scale() < 0 ? p.setScale(0) : p).toPlainString() + "%";
    }

    public static String adjective(Window w) {
        return switch (w) {
            case MINUTE -> "per-minute";
            case HOUR -> "hourly";
            case DAY -> "daily";
            case MONTH -> "monthly";
        };
    }

    /** "tokens" is "token", "input_tokens" is "input token", "cost" is "spending". */
    private static String noun(String metric) {
        if (metric.equals("cost")) {
            return "spending";
        }
        String words = metric.replace('_', ' ');
        return words.endsWith("s") ? words.substring(0, words.length() - 1) : words;
    }

    /** A plain decimal grouped by thousands ("520,000"), as {@link MoneyText#grouped}. */
    public static String grouped(String plain) {
        return MoneyText.grouped(plain);
    }
}
