package dev.tally.core.auth;

import java.time.Instant;
import java.util.Locale;

/**
 * A stored API key: never the key itself, only its SHA-256 hash.
 *
 * @param id         the public key id, {@code key_...}; also embedded in the key text so lookups need no scan
 * @param customerId the customer whose data the key may read; null for an ingest key
 * @param hash       SHA-256 of the full key text
 * @param createdAt  when it was issued
 * @param revokedAt  when it was revoked, or null while it is valid
 * @param scope      what the key may do
 */
public record ApiKey(String id, String customerId, byte[] hash, Instant createdAt, Instant revokedAt, Scope scope) {
    public ApiKey {
        if ((scope == Scope.CUSTOMER) != (customerId != null)) {
            throw new IllegalArgumentException("a " + scope.wireName() + " key "
                    + (customerId == null ? "needs a customer" : "has no customer, was given " + customerId));
        }
    }

    /** A customer key. */
    public ApiKey(String id, String customerId, byte[] hash, Instant createdAt, Instant revokedAt) {
        this(id, customerId, hash, createdAt, revokedAt, Scope.CUSTOMER);
    }

    public boolean isRevoked() {
        return revokedAt != null;
    }

    /** What a key may do. */
    public enum Scope {
        /** Read one customer's own data. */
        CUSTOMER,
        /** Send events and ask for authorizations (the calls a metered product makes), for every customer. */
        INGEST;

        /** The name used in the API and the store: {@code customer}, {@code ingest}. */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The scope named {@code name}, or null. */
        public static Scope fromWireName(String name) {
            for (Scope s : values()) {
                if (s.wireName().equals(name)) {
                    return s;
                }
            }
            return null;
        }
    }
}
