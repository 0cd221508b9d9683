package dev.tally.server.http;

import dev.tally.core.auth.ApiKey;
import dev.tally.core.store.KeyStore;
import io.javalin.http.Context;

import java.time.Instant;
import java.time.InstantSource;
import java.util.Optional;

/**
 * Resolves the {@code Authorization: Bearer} key of a request (or, for the console and the portal, the signed
 * session cookie of {@link Sessions}) to a {@link Principal}, and issues customer keys.
 *
 * <p>Customer keys look like {@code tk_<id>_<secret>}: the id part finds the stored record without a scan, and the
 * SHA-256 of the whole key is compared in constant time. Only hashes are stored; a key is shown once, when issued.
 */
public final class Authenticator {
    /** Setting under which the admin key's SHA-256 (hex) is kept when Tally generated it. */
    public static final String ADMIN_KEY_SETTING = "admin_key_sha256";
    private static final String ATTRIBUTE = "tally.principal";

    private final byte[] adminKeyHash;
    private final KeyStore keys;
    private final InstantSource clock;
    private final Sessions sessions;

    /**
     * @param adminKeyHash SHA-256 of the admin key
     * @param sessions     verifies session cookies; null to accept Bearer keys only
     */
    public Authenticator(byte[] adminKeyHash, KeyStore keys, InstantSource clock, Sessions sessions) {
        this.adminKeyHash = adminKeyHash.clone();
        this.keys = keys;
        this.clock = clock;
        this.sessions = sessions;
    }

    /** Like {@link #Authenticator(byte[], KeyStore, InstantSource, Sessions)}, for Bearer keys only. */
    public Authenticator(byte[] adminKeyHash, KeyStore keys, InstantSource clock) {
        this(adminKeyHash, keys, clock, null);
    }

    /** The caller of this request; answers 401 if the key is missing or wrong. */
    public Principal principal(Context ctx) {
        Principal cached = ctx.attribute(ATTRIBUTE);
        if (cached != null) {
            return cached;
        }
        String header = ctx.header("Authorization");
        if (header == null && sessions != null && ctx.cookie(Sessions.COOKIE) != null) {
            Principal principal = sessionPrincipal(ctx);
            ctx.attribute(ATTRIBUTE, principal);
            return principal;
        }
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw HttpProblem.unauthorized("send an API key as 'Authorization: Bearer <key>'");
        }
        Principal principal = resolve(header.substring(7).trim())
                .orElseThrow(() -> HttpProblem.unauthorized("the API key is not valid (unknown or revoked)"));
        ctx.attribute(ATTRIBUTE, principal);
        return principal;
    }

    /** The browser session of this request's cookie, if it is valid (signature, expiry, key not revoked). */
    public Optional<Sessions.Session> session(Context ctx) {
        if (sessions == null) {
            return Optional.empty();
        }
        return sessions.verify(ctx.cookie(Sessions.COOKIE)).filter(this::stillValid);
    }

    /**
     * The principal of a session cookie. A request that may change something (anything but GET and HEAD) must also
     * carry the session's CSRF token, because the browser sends the cookie whoever made the page.
     */
    private Principal sessionPrincipal(Context ctx) {
        Sessions.Session session = session(ctx)
                .orElseThrow(() -> HttpProblem.unauthorized("the session has expired or is not valid; sign in again"));
        String method = ctx.method().name();
        if (!method.equals("GET") && !method.equals("HEAD")
                && !sessions.csrfMatches(session, ctx.header(Sessions.CSRF_HEADER))) {
            throw HttpProblem.forbidden("a request authenticated by the session cookie must carry the header "
                    + Sessions.CSRF_HEADER + " with the token from GET /ui/session");
        }
        return session.principal();
    }

    /** A customer session ends as soon as the key it signed in with is revoked. */
    private boolean stillValid(Sessions.Session s) {
        if (!(s.principal() instanceof Principal.CustomerKey c)) {
            return true;
        }
        return keys.key(c.keyId()).filter(k -> !k.isRevoked() && k.customerId().equals(c.customerId())).isPresent();
    }

    /** The principal of a key, if it is valid. */
    public Optional<Principal> resolve(String key) {
        byte[] hash = KeyHashing.sha256(key);
        if (KeyHashing.sameHash(hash, adminKeyHash)) {
            return Optional.of(new Principal.Admin());
        }
        String keyId = customerKeyId(key);
        if (keyId == null) {
            return Optional.empty();
        }
        return keys.key(keyId)
                .filter(k -> !k.isRevoked() && KeyHashing.sameHash(hash, k.hash()))
                .map(k -> new Principal.CustomerKey(k.customerId(), k.id()));
    }

    /** Issues a new key for a customer; the returned text is the only time the key is seen. */
    public IssuedKey issue(String customerId) {
        String idPart = KeyHashing.randomId(16);
        String key = "tk_" + idPart + "_" + KeyHashing.randomToken(32);
        Instant now = clock.instant();
        ApiKey record = new ApiKey("key_" + idPart, customerId, KeyHashing.sha256(key), now, null);
        keys.addKey(record);
        return new IssuedKey(record.id(), key, customerId, now);
    }

    private static String customerKeyId(String key) {
        if (!key.startsWith("tk_")) {
            return null;
        }
        int end = key.indexOf('_', 3);
        return end < 0 ? null : "key_" + key.substring(3, end);
    }

    /** A key as issued: its id and, this once, its text. */
    public record IssuedKey(String id, String key, String customerId, Instant createdAt) {
    }
}
