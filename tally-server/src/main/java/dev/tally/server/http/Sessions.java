package dev.tally.server.http;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Optional;

/**
 * Signed, expiring browser sessions for the console and the portal, kept entirely in a cookie.
 *
 * <p>A session token is {@code base64url(payload) "." base64url(HMAC-SHA256(payload))} where the payload names the
 * principal (admin with the name given at sign-in, if any, or a customer and the key it signed in with), the expiry and a random session id. Nothing is
 * stored on the server, so any node that shares the store (and so the secret) accepts it: nodes stay stateless behind
 * a load balancer. The MAC key is derived from the stored secret and the admin key's hash, so changing the admin key
 * ends every session.
 *
 * <p>CSRF: a request authenticated by the cookie that changes something must carry {@link #CSRF_HEADER} equal to
 * {@link #csrfToken(Session)}, an HMAC of the session id that a page learns from {@code GET /ui/session} (a
 * cross-site page can neither read that answer nor set the header). Requests with a Bearer key are unaffected.
 */
public final class Sessions {
    /** The HttpOnly cookie that holds the session token. */
    public static final String COOKIE = "tally_session";
    /** The header that must carry the CSRF token on non-GET requests authenticated by the cookie. */
    public static final String CSRF_HEADER = "X-CSRF-Token";
    /** How long a session lasts after sign-in; a working day, then the key is asked for again. */
    public static final Duration TTL = Duration.ofHours(12);
    private static final String VERSION = "1";
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64_DECODE = Base64.getUrlDecoder();

    private final SecretKeySpec macKey;
    private final InstantSource clock;
    private final String adminKeyId;

    /**
     * @param secret       the store-wide secret (shared by every node)
     * @param adminKeyHash SHA-256 of the admin key, mixed into the MAC key
     */
    public Sessions(byte[] secret, byte[] adminKeyHash, InstantSource clock) {
        this.macKey = new SecretKeySpec(hmac(new SecretKeySpec(secret, "HmacSHA256"), adminKeyHash), "HmacSHA256");
        this.clock = clock;
        this.adminKeyId = KeyHashing.keyId(adminKeyHash);
    }

    /** A verified session: who, until when, and the random id the CSRF token is bound to. */
    public record Session(String id, Principal principal, Instant expiresAt) {
    }

    /**
     * Starts a session for {@code principal}; the answer's token goes into {@link #COOKIE}. Only people sign in: the
     * operator (admin key) and customers (their key); an ingest key is for machines and gets no session.
     */
    public Session start(Principal principal) {
        if (!(principal instanceof Principal.Admin) && !(principal instanceof Principal.CustomerKey)) {
            throw new IllegalArgumentException("only the admin key and customer keys sign in, not " + principal);
        }
        return new Session(KeyHashing.randomToken(18), principal, clock.instant().plus(TTL));
    }

    /** The cookie value of a session. */
    public String token(Session s) {
        String who;
        if (s.principal() instanceof Principal.CustomerKey c) {
            who = "c|" + c.customerId() + "|" + c.keyId();
        } else if (s.principal() instanceof Principal.Admin a) {
            // The name as base64url: it may hold any character, the separator too.
            who = "a|" + (a.consoleUser() == null ? "" : B64.encodeToString(a.consoleUser()
                    .getBytes(StandardCharsets.UTF_8))) + "|";
        } else {
            throw new IllegalArgumentException("no session for " + s.principal());
        }
        String payload = VERSION + "|" + who + "|" + s.expiresAt().getEpochSecond() + "|" + s.id();
        byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
        return B64.encodeToString(bytes) + "." + B64.encodeToString(hmac(macKey, bytes));
    }

    /** The session a cookie value names, if its signature is right and it has not expired. */
    public Optional<Session> verify(String token) {
        int dot = token == null ? -1 : token.indexOf('.');
        if (dot < 0) {
            return Optional.empty();
        }
        byte[] payload;
        byte[] mac;
        try {
            payload = B64_DECODE.decode(token.substring(0, dot));
            mac = B64_DECODE.decode(token.substring(dot + 1));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (!MessageDigest.isEqual(mac, hmac(macKey, payload))) {
            return Optional.empty();
        }
        String[] parts = new String(payload, StandardCharsets.UTF_8).split("\\|", -1);
        if (parts.length != 6 || !VERSION.equals(parts[0])) {
            return Optional.empty();
        }
        Instant expires = Instant.ofEpochSecond(Long.parseLong(parts[4]));
        if (!clock.instant().isBefore(expires)) {
            return Optional.empty();
        }
        Principal principal = "a".equals(parts[1]) ? consoleAdmin(parts[2])
                : new Principal.CustomerKey(parts[2], parts[3]);
        return Optional.of(new Session(parts[5], principal, expires));
    }

    /** The admin of a console session, with the name given at sign-in (base64url, empty for none). */
    private Principal.Admin consoleAdmin(String encodedName) {
        String name = encodedName.isEmpty() ? null
                : new String(B64_DECODE.decode(encodedName), StandardCharsets.UTF_8);
        return new Principal.Admin(adminKeyId, true, name);
    }

    /** The CSRF token bound to a session. */
    public String csrfToken(Session s) {
        return B64.encodeToString(hmac(macKey, ("csrf|" + s.id()).getBytes(StandardCharsets.UTF_8)));
    }

    /** Whether {@code header} is the session's CSRF token (compared in constant time). */
    public boolean csrfMatches(Session s, String header) {
        return header != null && MessageDigest.isEqual(csrfToken(s).getBytes(StandardCharsets.UTF_8),
                header.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] hmac(SecretKeySpec key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }
}
