package dev.tally.server;

import dev.tally.core.reservation.ReservationIds;
import dev.tally.core.persistence.TallyStore;
import dev.tally.server.config.ServerConfig;
import dev.tally.server.http.Authenticator;
import dev.tally.server.http.KeyHashing;

import java.util.HexFormat;

/**
 * The secrets a server keeps in the store's settings, so that every node of one database shares them and they
 * survive restarts: the key that signs reservation ids, the key that signs console sessions, and the admin key's
 * hash. Each is created on first use.
 *
 * @param reservationSecret signs reservation ids
 * @param sessionSecret     signs the console's session cookies
 * @param adminKeyHash      SHA-256 of the admin key
 * @param generatedAdminKey the admin key generated at this start (shown once), or null
 */
record StoredSecrets(byte[] reservationSecret, byte[] sessionSecret, byte[] adminKeyHash, String generatedAdminKey) {
    /** Setting holding the hex secret that signs reservation ids. */
    static final String RESERVATION_SECRET_SETTING = "reservation_secret";
    /** Setting holding the hex secret that signs the console's session cookies (shared by every node). */
    static final String SESSION_SECRET_SETTING = "session_secret";

    /** Reads the secrets from the store, creating those missing. */
    static StoredSecrets load(ServerConfig config, TallyStore store) {
        byte[] reservation = secret(store, RESERVATION_SECRET_SETTING);
        byte[] session = secret(store, SESSION_SECRET_SETTING);
        if (config.adminKey() != null) {
            return new StoredSecrets(reservation, session, KeyHashing.sha256(config.adminKey()), null);
        }
        return store.setting(Authenticator.ADMIN_KEY_SETTING)
                .map(hex -> new StoredSecrets(reservation, session, HexFormat.of().parseHex(hex), null))
                .orElseGet(() -> {
                    // Only the hash is stored; the key itself is handed back to be shown once. A node starting at
                    // the same moment may have stored its own first: that one is the admin key, shown by that node.
                    String key = "ta_" + KeyHashing.randomToken(32);
                    String hash = KeyHashing.sha256Hex(key);
                    String stored = store.putSettingIfAbsent(Authenticator.ADMIN_KEY_SETTING, hash);
                    return new StoredSecrets(reservation, session, HexFormat.of().parseHex(stored),
                            stored.equals(hash) ? key : null);
                });
    }

    /**
     * A random secret kept (hex) in the store's settings, created on first use, so every node shares it. Created
     * only if absent: nodes starting at once on a fresh database must not each keep the one they made (their
     * reservation ids and session cookies would then be refused by the others).
     */
    private static byte[] secret(TallyStore store, String setting) {
        return HexFormat.of().parseHex(store.setting(setting).orElseGet(() -> store.putSettingIfAbsent(setting,
                HexFormat.of().formatHex(ReservationIds.newSecret()))));
    }
}
