package dev.tally.core.auth;

import java.time.Instant;

/**
 * A stored API key: never the key itself, only its SHA-256 hash.
 *
 * @param id         the public key id, {@code key_...}; also embedded in the key text so lookups need no scan
 * @param customerId the customer whose data the key may read
 * @param hash       SHA-256 of the full key text
 * @param createdAt  when it was issued
 * @param revokedAt  when it was revoked, or null while it is valid
 */
public record ApiKey(String id, String customerId, byte[] hash, Instant createdAt, Instant revokedAt) {
    public boolean isRevoked() {
        return revokedAt != null;
    }
}
