package dev.tally.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.core.ingest.EventCandidate;
import dev.tally.core.ingest.IngestService;
import dev.tally.server.json.CloudEventJson;
import dev.tally.server.json.EventJson;
import dev.tally.server.json.FastEventReader;
import io.javalin.config.RoutesConfig;
import io.javalin.http.ContentType;
import io.javalin.http.Context;

import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * {@code POST /v1/events}: recording usage. Answers only once the accepted events are committed to disk, without
 * holding a request thread meanwhile: the handler hands Javalin the commit's future and returns, so a small HTTP
 * pool is never used up by requests waiting for a commit.
 */
public final class EventRoutes {
    private final IngestService ingest;
    private final Access access;
    private final Requests requests;
    private final EventJson eventJson;
    private final FastEventReader fastEvents = new FastEventReader();
    private final CloudEventBodies cloudEvents;
    private final InstantSource clock;
    private final Executor replies;

    /**
     * @param replies runs what follows a commit: counting the events toward limits and writing the answer (the
     *                server passes its HTTP pool)
     */
    public EventRoutes(IngestService ingest, Access access, Requests requests, ObjectMapper json,
                       InstantSource clock, Executor replies) {
        this.ingest = ingest;
        this.access = access;
        this.requests = requests;
        this.eventJson = new EventJson(json);
        this.cloudEvents = new CloudEventBodies(new CloudEventJson(eventJson, json));
        this.clock = clock;
        this.replies = replies;
    }

    public void register(RoutesConfig routes) {
        routes.post("/v1/events", this::post);
    }

    private void post(Context ctx) {
        access.requireAdminOrIngest(ctx);
        BodyType type = BodyType.ofEvents(ctx);
        byte[] body = ctx.bodyAsBytes();
        Instant now = clock.instant();
        List<EventCandidate> all = type == BodyType.JSON ? plainCandidates(body, now)
                : cloudEvents.candidates(requests.body(body), type, now);
        // Javalin resumes the request (writing the answer, or the problem of a failure through the one exception
        // mapper) on the thread that completes this future. The writer's committing thread completes the commit,
        // and serialising answers there would hold up the next commit of every client, so ingestAsync continues on
        // `replies` (the HTTP pool), and so does everything chained here.
        ctx.future(() -> ingest.ingestAsync(all, replies).thenAccept(result ->
                ctx.contentType(ContentType.APPLICATION_JSON).result(eventJson.report(result))));
    }

    /** The candidates of a plain JSON body: read straight from the bytes when it can be, else as a tree. */
    private List<EventCandidate> plainCandidates(byte[] body, Instant now) {
        List<EventCandidate> candidates = fastEvents.read(body, now, EventJson.MAX_BATCH);
        return candidates != null ? candidates : candidatesOfTree(requests.body(body), now);
    }

    /** The candidates of a body read as a JSON tree, with a problem for everything wrong in each event. */
    private List<EventCandidate> candidatesOfTree(JsonNode body, Instant now) {
        List<JsonNode> items = EventJson.items(body);
        if (items.size() > EventJson.MAX_BATCH) {
            throw HttpProblem.tooLarge("a request may carry at most " + EventJson.MAX_BATCH + " events, this one had "
                    + items.size() + "; split it into smaller batches");
        }
        List<EventCandidate> candidates = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            candidates.add(eventJson.parse(i, items.get(i), now));
        }
        return candidates;
    }
}
