package dev.tally.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.problem.FieldError;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sends one batch of an import to {@code POST /v1/events} and reports the outcome by file line: the server names
 * rejected events by their index in the batch, which this maps back to the line each came from.
 *
 * <p>A batch the server answers 503 (overloaded, or its store is briefly unavailable) is sent again after a wait,
 * honouring {@code Retry-After}, up to {@value #MAX_ATTEMPTS} attempts. Resending is safe: an event whose {@code id}
 * was already accepted is acknowledged as a duplicate and not counted again, so even a batch that was in fact
 * stored before the 503 is never double-counted. (Only events without an id could be; that is why ids are
 * recommended.)
 */
final class BatchPoster {
    static final int MAX_ATTEMPTS = 5;
    private static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    private static final Duration MAX_WAIT = Duration.ofSeconds(60);
    private static final Pattern INDEXED_FIELD = Pattern.compile("^\\[(\\d+)]\\.?");

    private final TallyApiClient api;
    private final Sleeper sleeper;
    private final Consumer<String> notices;

    /**
     * @param notices receives a line for the user whenever a batch is retried
     */
    BatchPoster(TallyApiClient api, Sleeper sleeper, Consumer<String> notices) {
        this.api = api;
        this.sleeper = sleeper;
        this.notices = notices;
    }

    /** One event of a batch: the line it came from and its JSON text, sent as is. */
    record Line(long number, String json) {
    }

    /** What the server made of a batch. */
    record Outcome(long accepted, long duplicates, List<Rejection> rejected) {
    }

    /**
     * Sends the batch, retrying while the server answers 503.
     *
     * @throws TallyApiException for any other failure, or a 503 that outlasts the attempts
     */
    Outcome post(List<Line> batch) {
        String body = body(batch);
        for (int attempt = 1; ; attempt++) {
            try {
                return outcome(batch, api.postJson("/v1/events", body));
            } catch (TallyApiException e) {
                if (e.status() == 400) {
                    // The server stores nothing when no event of a batch is valid, and says why for each.
                    return new Outcome(0, 0, allRejected(batch, e));
                }
                if (e.status() != 503 || attempt == MAX_ATTEMPTS) {
                    throw e;
                }
                waitBeforeRetry(batch, attempt, e.retryAfter());
            }
        }
    }

    private void waitBeforeRetry(List<Line> batch, int failedAttempt, Duration retryAfter) {
        Duration wait = retryAfter != null ? retryAfter : FIRST_BACKOFF.multipliedBy(1L << (failedAttempt - 1));
        if (wait.compareTo(MAX_WAIT) > 0) {
            wait = MAX_WAIT;
        }
        notices.accept("server busy (503): sending lines " + batch.get(0).number() + "-"
                + batch.get(batch.size() - 1).number() + " again in " + wait.toSeconds() + " s (attempt "
                + (failedAttempt + 1) + " of " + MAX_ATTEMPTS + ")");
        try {
            sleeper.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw TallyApiException.noAnswer("interrupted while waiting to retry", e);
        }
    }

    private static String body(List<Line> batch) {
        StringBuilder body = new StringBuilder(batch.size() * 256).append('[');
        for (int i = 0; i < batch.size(); i++) {
            if (i > 0) {
                body.append(',');
            }
            body.append(batch.get(i).json());
        }
        return body.append(']').toString();
    }

    private static Outcome outcome(List<Line> batch, JsonNode answer) {
        List<Rejection> rejected = new ArrayList<>();
        for (JsonNode r : answer.path("rejected")) {
            List<String> messages = new ArrayList<>();
            r.path("errors").forEach(e -> messages.add(e.path("message").asText()));
            rejected.add(new Rejection(lineOf(batch, r.path("index").asInt(-1)),
                    messages.isEmpty() ? "rejected by the server" : String.join("; ", messages)));
        }
        return new Outcome(answer.path("accepted").asLong(), answer.path("duplicates").asLong(), rejected);
    }

    /**
     * Every event of the batch as rejected, each with the problem's errors about it: in a batch of several, their
     * fields (and messages) start with {@code [index].}; a batch of one has no prefix. An event no error names
     * gets the problem's detail.
     */
    private static List<Rejection> allRejected(List<Line> batch, TallyApiException e) {
        Map<Integer, List<String>> byIndex = new HashMap<>();
        for (FieldError error : e.errors()) {
            Matcher m = INDEXED_FIELD.matcher(error.field());
            if (m.lookingAt()) {
                String message = error.message().startsWith(m.group())
                        ? error.message().substring(m.group().length()) : error.message();
                byIndex.computeIfAbsent(Integer.parseInt(m.group(1)), i -> new ArrayList<>()).add(message);
            } else if (batch.size() == 1) {
                byIndex.computeIfAbsent(0, i -> new ArrayList<>()).add(error.message());
            }
        }
        List<Rejection> rejected = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            List<String> messages = byIndex.get(i);
            rejected.add(new Rejection(batch.get(i).number(),
                    messages == null ? e.getMessage() : String.join("; ", messages)));
        }
        return rejected;
    }

    private static long lineOf(List<Line> batch, int index) {
        // An index outside the batch would be a server bug; line 0 shows it without hiding the rejection.
        return index >= 0 && index < batch.size() ? batch.get(index).number() : 0;
    }
}
