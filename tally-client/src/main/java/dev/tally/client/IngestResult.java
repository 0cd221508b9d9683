package dev.tally.client;

import java.util.List;

/**
 * What the server did with a batch of events. Valid events are kept even when others of the batch are rejected.
 *
 * @param accepted   events stored (durably) by this request
 * @param duplicates events whose id was already stored: acknowledged, not counted again
 * @param rejected   the events that broke a rule, with the reasons
 */
public record IngestResult(int accepted, int duplicates, List<Rejection> rejected) {
    public IngestResult {
        rejected = List.copyOf(rejected);
    }

    /**
     * One rejected event.
     *
     * @param index  its position in the request, from 0
     * @param id     its id, or null if it could not be read
     * @param errors every problem, with field names relative to the event
     */
    public record Rejection(int index, String id, List<FieldError> errors) {
        public Rejection {
            errors = List.copyOf(errors);
        }
    }
}
