package dev.tally.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.ingest.EventCandidate;
import dev.tally.server.json.CloudEventJson;
import dev.tally.server.json.EventJson;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The candidates of a {@code POST /v1/events} body in CloudEvents structured mode: one event
 * ({@code application/cloudevents+json}, a JSON object) or a batch ({@code application/cloudevents-batch+json}, a
 * JSON array). A body of the wrong shape is a 400 that names the content type to use; the events inside are read by
 * {@link CloudEventJson}, each with its own problems, like a plain batch.
 */
final class CloudEventBodies {
    private final CloudEventJson cloudEvents;

    CloudEventBodies(CloudEventJson cloudEvents) {
        this.cloudEvents = cloudEvents;
    }

    List<EventCandidate> candidates(JsonNode body, BodyType type, Instant now) {
        if (type == BodyType.CLOUDEVENT) {
            if (!body.isObject()) {
                throw HttpProblem.badRequest("body", "body: must be one CloudEvent (a JSON object) with "
                        + "Content-Type: application/cloudevents+json; send an array of CloudEvents as "
                        + "application/cloudevents-batch+json");
            }
            return List.of(cloudEvents.parse(0, body, now));
        }
        if (!body.isArray()) {
            throw HttpProblem.badRequest("body", "body: must be a JSON array of CloudEvents with Content-Type: "
                    + "application/cloudevents-batch+json; send one CloudEvent as application/cloudevents+json");
        }
        if (body.size() > EventJson.MAX_BATCH) {
            throw HttpProblem.tooLarge("a request may carry at most " + EventJson.MAX_BATCH + " events, this one had "
                    + body.size() + "; split it into smaller batches");
        }
        List<EventCandidate> candidates = new ArrayList<>(body.size());
        for (int i = 0; i < body.size(); i++) {
            candidates.add(cloudEvents.parse(i, body.get(i), now));
        }
        return candidates;
    }
}
