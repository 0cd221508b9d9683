package dev.tally.core.counter;

/**
 * An amount that one call (its estimate) or one event (its actual usage) adds to one limit's counter.
 *
 * @param spec   the limit's counter
 * @param amount in the metric's stored unit (calls, nano-dollars or micros)
 */
public record Charge(CounterSpec spec, long amount) {
}
