package dev.tally.core.pricing;

import java.math.BigDecimal;
import java.util.Map;

/**
 * One entry of a LiteLLM {@code model_prices_and_context_window.json} file, as read: its key, its
 * {@code litellm_provider}, its {@code mode}, and its numeric price fields, exact as written in the file.
 *
 * @param key             the entry's key, e.g. {@code gpt-4o} or {@code anthropic/claude-sonnet-4-20250514}
 * @param litellmProvider the {@code litellm_provider} field, or null
 * @param mode            the {@code mode} field (chat, embedding, ...), or null
 * @param costs           every numeric field whose name has {@code cost} in it, by name, parsed from its text
 */
public record LitellmModel(String key, String litellmProvider, String mode, Map<String, BigDecimal> costs) {
    public LitellmModel {
        costs = Map.copyOf(costs);
    }
}
