package dev.tally.core.ingest;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.problem.FieldError;

import java.util.List;

/**
 * One item of an ingestion request after parsing: either an event, or the problems that kept it from being one.
 *
 * @param index  its position in the request
 * @param id     the id it was sent with, or null (a generated id is never reported back)
 * @param event  the parsed event, or null if it had errors
 * @param errors the problems found while parsing; empty if {@code event} is set
 */
public record EventCandidate(int index, String id, UsageEvent event, List<FieldError> errors) {
    /** A parsed event whose id the sender chose. */
    public static EventCandidate valid(int index, UsageEvent event) {
        return new EventCandidate(index, event.id(), event, List.of());
    }

    /** A parsed event; {@code sentId} is null when the id was generated. */
    public static EventCandidate valid(int index, String sentId, UsageEvent event) {
        return new EventCandidate(index, sentId, event, List.of());
    }

    public static EventCandidate invalid(int index, String id, List<FieldError> errors) {
        return new EventCandidate(index, id, null, List.copyOf(errors));
    }
}
