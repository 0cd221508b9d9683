package dev.tally.server.http;

import dev.tally.core.enforce.Decision;
import dev.tally.core.ratelimit.RateLimitFields;
import io.javalin.http.Context;

import java.time.Instant;

/** Sets the rate-limit headers of a decision ({@link RateLimitFields} says which and how) on an answer. */
final class RateLimitHeaders {
    private RateLimitHeaders() {
    }

    static void write(Context ctx, Decision decision, Instant now) {
        RateLimitFields.of(decision, now).forEach(ctx::header);
    }
}
