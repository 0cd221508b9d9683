package dev.tally.core.store;

import dev.tally.core.auth.ApiKey;

import java.time.Instant;
import java.util.Optional;

/** The port to credentials and server settings. */
public interface KeyStore {
    void addKey(ApiKey key);

    /** The key with this id, revoked or not. */
    Optional<ApiKey> key(String id);

    /** Marks a customer's key revoked; returns false if the customer has no such key. */
    boolean revokeKey(String customerId, String keyId, Instant at);

    /** Marks an ingest key revoked; returns false if there is no ingest key with this id. */
    boolean revokeIngestKey(String keyId, Instant at);

    /** A persisted server setting (such as the admin key's hash), or empty. */
    Optional<String> setting(String name);

    void putSetting(String name, String value);

    /**
     * Stores a setting unless one of this name exists, and answers the value stored: {@code value}, or the one
     * another node stored first. Secrets created on first use go through it, so that nodes starting at once on a
     * fresh database agree on them.
     */
    String putSettingIfAbsent(String name, String value);
}
