package dev.tally.server.http;

import dev.tally.core.auth.ApiKey;
import dev.tally.core.store.StoreException;
import dev.tally.core.store.KeyStore;
import io.javalin.http.Context;

import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Resolves the {@code Authorization: Bearer} key of a request (or, for the console and the portal, the signed
 * session cookie of {@link Sessions}) to a {@link Principal}, and issues and revokes customer and ingest keys.
 *
 * <p>Customer keys look like {@code tk_<id>_<secret>}, ingest keys {@code ti_<id>_<secret>}: the id part finds the
 * stored record without a scan, and the SHA-256 of the whole key is compared in constant time. Only hashes are
 * stored; a key is shown once, when issued.
 *
 * <p>Stored key records are cached for {@value #CACHE_SECONDS} seconds, because an ingest key is sent with every
 * authorization and event, and a store read per call would cost more than the decision. A key revoked through this
 * server stops working at once; one revoked through another node sharing the store, as soon as this node sees the
 * configuration change ({@link #forgetCachedKeys()}, within 2 seconds), and within that time at the latest.
 */
public final class Authenticator {
    /** Setting under which the admin key's SHA-256 (hex) is kept when Tally generated it. */
    public static final String ADMIN_KEY_SETTING = "admin_key_sha256";
    private static final String ATTRIBUTE = "tally.principal";
    /** How long a stored key record is trusted without reading it again. */
    static final int CACHE_SECONDS = 60;
    /** The most key records cached; past it the cache starts over (a few keys are in use at any time). */
    private static final int CACHE_MAX = 10_000;

    private static final String CUSTOMER_PREFIX = "tk_";
    private static final String INGEST_PREFIX = "ti_";

    private final byte[] adminKeyHash;
    private final String adminKeyId;
    private final KeyStore keys;
    private final InstantSource clock;
    private final Sessions sessions;
    private final Map<String, CachedKey> cache = new ConcurrentHashMap<>();
    /** Moves on every {@link #forgetCachedKeys()}, so a read begun before it is not cached after it. */
    private final AtomicLong generation = new AtomicLong();

    /**
     * @param adminKeyHash SHA-256 of the admin key
     * @param sessions     verifies session cookies; null to accept Bearer keys only
     */
    public Authenticator(byte[] adminKeyHash, KeyStore keys, InstantSource clock, Sessions sessions) {
        this.adminKeyHash = adminKeyHash.clone();
        this.adminKeyId = KeyHashing.keyId(adminKeyHash);
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
        if (!isBearer(header)) {
            throw HttpProblem.unauthorized("send an API key as 'Authorization: Bearer <key>'");
        }
        Principal principal = bearer(header);
        if (principal == null) {
            throw HttpProblem.unauthorized("the API key is not valid (unknown or revoked)");
        }
        ctx.attribute(ATTRIBUTE, principal);
        return principal;
    }

    /**
     * The caller named by an {@code Authorization} header's Bearer key, for the routes answered before Javalin
     * ({@link DirectRoutes}); null if the header is absent, not a Bearer key, or the key is not valid.
     */
    public Principal bearer(String authorization) {
        return isBearer(authorization) ? resolve(authorization.substring(7).trim()).orElse(null) : null;
    }

    private static boolean isBearer(String authorization) {
        return authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7);
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
        // Through the key cache: revoked through this server, the session ends at once; through another node, within
        // the cache's time, as for the key itself.
        return stored(c.keyId()).filter(k -> k.scope() == ApiKey.Scope.CUSTOMER && !k.isRevoked()
                && c.customerId().equals(k.customerId())).isPresent();
    }

    /** The principal of a key, if it is valid. */
    public Optional<Principal> resolve(String key) {
        byte[] hash = KeyHashing.sha256(key);
        if (KeyHashing.sameHash(hash, adminKeyHash)) {
            return Optional.of(Principal.Admin.withKey(adminKeyId));
        }
        ApiKey.Scope scope = key.startsWith(CUSTOMER_PREFIX) ? ApiKey.Scope.CUSTOMER
                : key.startsWith(INGEST_PREFIX) ? ApiKey.Scope.INGEST : null;
        String keyId = scope == null ? null : keyId(key);
        if (keyId == null) {
            return Optional.empty();
        }
        return stored(keyId)
                .filter(k -> k.scope() == scope && !k.isRevoked() && KeyHashing.sameHash(hash, k.hash()))
                .map(k -> k.scope() == ApiKey.Scope.INGEST ? new Principal.IngestKey(k.id())
                        : new Principal.CustomerKey(k.customerId(), k.id()));
    }

    /** The stored record of a key id, from the cache while it is fresh. */
    private Optional<ApiKey> stored(String keyId) {
        long nowMs = clock.millis();
        CachedKey cached = cache.get(keyId);
        if (cached != null && nowMs - cached.readAtMs() < CACHE_SECONDS * 1000L) {
            return cached.key();
        }
        long readAt = generation.get();
        Optional<ApiKey> key;
        try {
            key = keys.key(keyId);
        } catch (StoreException e) {
            if (cached == null) {
                throw e;
            }
            // The store is out of reach: a key known a while ago keeps working (authorize follows its failure
            // policy during an outage) and is trusted for another cache period, so that each call does not wait
            // for the store's timeout again; it is read again once that period ends.
            cache.put(keyId, new CachedKey(cached.key(), nowMs));
            return cached.key();
        }
        if (cache.size() >= CACHE_MAX) {
            cache.clear();
        }
        cache.put(keyId, new CachedKey(key, nowMs));
        if (generation.get() != readAt) {
            // Keys changed (on some node) while this one was read: what was read may predate the change.
            cache.remove(keyId);
        }
        return key;
    }

    /**
     * Forgets every cached key record: called when any node changed keys, so a key issued or revoked elsewhere takes
     * effect here at the next version check, not after {@value #CACHE_SECONDS} seconds.
     */
    public void forgetCachedKeys() {
        generation.incrementAndGet();
        cache.clear();
    }

    /** Issues a new key for a customer; the returned text is the only time the key is seen. */
    public IssuedKey issue(String customerId) {
        return issue(CUSTOMER_PREFIX, customerId, ApiKey.Scope.CUSTOMER);
    }

    /** Issues a new ingest key; the returned text is the only time the key is seen. */
    public IssuedKey issueIngest() {
        return issue(INGEST_PREFIX, null, ApiKey.Scope.INGEST);
    }

    private IssuedKey issue(String prefix, String customerId, ApiKey.Scope scope) {
        String idPart = KeyHashing.randomId(16);
        String key = prefix + idPart + "_" + KeyHashing.randomToken(32);
        Instant now = clock.instant();
        ApiKey record = new ApiKey("key_" + idPart, customerId, KeyHashing.sha256(key), now, null, scope);
        keys.addKey(record);
        cache.remove(record.id());
        return new IssuedKey(record.id(), key, customerId, now, scope);
    }

    /** Revokes a customer's key at once; false if the customer has no such key. */
    public boolean revoke(String customerId, String keyId) {
        boolean revoked = keys.revokeKey(customerId, keyId, clock.instant());
        cache.remove(keyId);
        return revoked;
    }

    /** Revokes an ingest key at once; false if there is no such ingest key. */
    public boolean revokeIngest(String keyId) {
        boolean revoked = keys.revokeIngestKey(keyId, clock.instant());
        cache.remove(keyId);
        return revoked;
    }

    /** The stored id of a key text {@code t?_<id>_<secret>}: {@code key_<id>}; null if it has no id part. */
    private static String keyId(String key) {
        int end = key.indexOf('_', 3);
        return end < 0 ? null : "key_" + key.substring(3, end);
    }

    /** A key as issued: its id and, this once, its text. {@code customerId} is null for an ingest key. */
    public record IssuedKey(String id, String key, String customerId, Instant createdAt, ApiKey.Scope scope) {
    }

    /** A stored key record (or its absence) and when it was read. */
    private record CachedKey(Optional<ApiKey> key, long readAtMs) {
    }
}
