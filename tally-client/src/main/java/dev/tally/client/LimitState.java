package dev.tally.client;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * One limit and how much of it is used in its current window, as usage reports and decisions show it.
 *
 * @param name      the limit's name, e.g. {@code openai-tokens-month}
 * @param metric    what it counts: {@code requests}, {@code tokens}, {@code cost} or a sent metric
 * @param provider  the provider it is narrowed to, or null
 * @param model     the model it is narrowed to, or null
 * @param endpoint  the endpoint it is narrowed to, or null
 * @param window    {@code minute}, {@code hour}, {@code day} or {@code month}
 * @param amount    the most that may be used in one window (USD for {@code cost}); null when unlimited
 * @param used      what is used in the current window, including what open reservations hold
 * @param remaining what is left, never below 0; null when unlimited
 * @param percent   {@code used} as a percentage of {@code amount}, one decimal; null when unlimited
 * @param status    {@code ok}, {@code warning}, {@code critical} or {@code exceeded}
 * @param mode      {@code hard}, {@code soft} or {@code shadow}
 * @param resetsAt  when the window resets (for a sliding window: when its oldest usage leaves it)
 * @param reserved  in a decision, the part of {@code used} held by open reservations; null in a usage report
 * @param wouldDeny in a decision, whether this shadow limit would have denied the call had it been hard
 */
public record LimitState(String name, String metric, String provider, String model, String endpoint, String window,
                         BigDecimal amount, BigDecimal used, BigDecimal remaining, BigDecimal percent, String status,
                         String mode, Instant resetsAt, BigDecimal reserved, boolean wouldDeny) {
}
