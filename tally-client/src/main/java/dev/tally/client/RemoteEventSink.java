package dev.tally.client;

import java.util.List;
import java.util.Objects;

/** An {@link EventSink} that posts to a Tally server: {@code POST /v1/events} through a {@link TallyClient}. */
public final class RemoteEventSink implements EventSink {
    private final TallyClient client;

    public RemoteEventSink(TallyClient client) {
        this.client = Objects.requireNonNull(client, "client");
    }

    @Override
    public IngestResult record(List<Event> events) {
        return client.record(events);
    }
}
