package dev.tally.core.ingest;

import dev.tally.core.problem.FieldError;

import java.util.List;

/**
 * What happened to the events of one ingestion request.
 *
 * @param accepted   events stored now
 * @param duplicates events whose id was already stored (acknowledged, not counted again)
 * @param rejected   events refused, with their reasons
 */
public record IngestResult(int accepted, int duplicates, List<Rejection> rejected) {
    /**
     * One refused event.
     *
     * @param index  its position in the request
     * @param id     its id, if it had one
     * @param errors every problem found with it
     */
    public record Rejection(int index, String id, List<FieldError> errors) {
    }
}
