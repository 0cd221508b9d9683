/**
 * Rate-limit header fields of a decision ({@link dev.tally.core.ratelimit.RateLimitFields}): the
 * {@code X-RateLimit-*}, IETF {@code RateLimit}/{@code RateLimit-Policy} and {@code Retry-After} values, rendered in
 * one place for every way a decision leaves Tally (the server's HTTP answers and the client module's in-process
 * authorizer, which depends on the core only, so this lives in core rather than in the server).
 *
 * <p>Rules: only renders, never decides; depends on {@code enforce} (the decision) and the limit domain; nothing in
 * core imports it.
 */
package dev.tally.core.ratelimit;
