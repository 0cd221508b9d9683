package dev.tally.server.http;

import io.javalin.http.Context;

/**
 * Who may do what: admin keys everything; customer keys only reads of their own customer; ingest keys only the calls
 * a metered product makes (events, authorize, check, release).
 */
public final class Access {
    private static final String INGEST_ONLY =
            "an ingest key may only send events and ask for authorizations; reading needs the admin key";

    private final Authenticator auth;

    public Access(Authenticator auth) {
        this.auth = auth;
    }

    /**
     * Passes for the admin key (as Bearer or a console session) and answers who it is, for records of who did what;
     * 403 for a customer key, 401 for none.
     */
    public Principal.Admin requireAdmin(Context ctx) {
        if (!(auth.principal(ctx) instanceof Principal.Admin admin)) {
            throw HttpProblem.forbidden("this operation needs the admin key");
        }
        return admin;
    }

    /** Passes for the admin key and for an ingest key; 403 for a customer key, 401 for none. */
    public void requireAdminOrIngest(Context ctx) {
        if (!mayMeter(auth.principal(ctx))) {
            throw HttpProblem.forbidden("this operation needs the admin key or an ingest key");
        }
    }

    /** Whether a caller may make the calls of a metered product: the admin key and ingest keys. */
    static boolean mayMeter(Principal p) {
        return p instanceof Principal.Admin || p instanceof Principal.IngestKey;
    }

    /**
     * Passes for the admin key, or for the key of this very customer. Any other customer gets the same 403 whether or
     * not the id exists, so ids cannot be probed.
     */
    public void requireRead(Context ctx, String customerId) {
        Principal p = auth.principal(ctx);
        if (p instanceof Principal.CustomerKey c && !c.customerId().equals(customerId)) {
            throw HttpProblem.forbidden("a customer key may only read its own customer's data");
        }
        if (p instanceof Principal.IngestKey) {
            throw HttpProblem.forbidden(INGEST_ONLY);
        }
    }

    /** The customer of a customer key (for {@code /v1/me/...}); 403 for the admin key. */
    public String requireCustomer(Context ctx) {
        if (auth.principal(ctx) instanceof Principal.CustomerKey c) {
            return c.customerId();
        }
        throw HttpProblem.forbidden("/v1/me/... needs a customer key; with the admin key use /v1/customers/{id}/...");
    }
}
