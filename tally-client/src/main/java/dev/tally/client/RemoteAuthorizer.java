package dev.tally.client;

import java.util.Objects;

/** An {@link Authorizer} that asks a Tally server: {@code POST /v1/authorize} through a {@link TallyClient}. */
public final class RemoteAuthorizer implements Authorizer {
    private final TallyClient client;

    public RemoteAuthorizer(TallyClient client) {
        this.client = Objects.requireNonNull(client, "client");
    }

    @Override
    public Decision authorize(Call call) {
        return client.authorize(call);
    }
}
