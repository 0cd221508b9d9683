package dev.tally.core.store;

import dev.tally.core.auth.ApiKey;
import dev.tally.core.persistence.TallyStore;
import org.junit.jupiter.api.Test;

import static dev.tally.core.store.LedgerFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

/** The {@link KeyStore} contract: API keys and settings. */
public interface KeyStoreContract {
    byte[] HASH = {(byte) 0xff, 0, 1, 127, (byte) 0x80, 42};

    TallyStore store();

    @Test
    default void addKey_thenKey_roundTripsEveryField() {
        store().addKey(new ApiKey("key_1", "acme", HASH, T0, null));

        ApiKey key = store().key("key_1").orElseThrow();

        assertThat(key.id()).isEqualTo("key_1");
        assertThat(key.customerId()).isEqualTo("acme");
        assertThat(key.hash()).containsExactly(HASH);
        assertThat(key.createdAt()).isEqualTo(T0);
        assertThat(key.revokedAt()).isNull();
    }

    @Test
    default void key_missing_isEmpty() {
        assertThat(store().key("key_none")).isEmpty();
    }

    @Test
    default void revokeKey_customersKey_setsRevokedAt() {
        store().addKey(new ApiKey("key_1", "acme", HASH, T0, null));

        assertThat(store().revokeKey("acme", "key_1", T0.plusSeconds(5))).isTrue();

        assertThat(store().key("key_1").orElseThrow().revokedAt()).isEqualTo(T0.plusSeconds(5));
    }

    @Test
    default void revokeKey_twice_keepsTheFirstRevocationTime() {
        store().addKey(new ApiKey("key_1", "acme", HASH, T0, null));
        store().revokeKey("acme", "key_1", T0.plusSeconds(5));

        assertThat(store().revokeKey("acme", "key_1", T0.plusSeconds(9))).isTrue();

        assertThat(store().key("key_1").orElseThrow().revokedAt()).isEqualTo(T0.plusSeconds(5));
    }

    @Test
    default void revokeKey_otherCustomersOrMissingKey_returnsFalseAndChangesNothing() {
        store().addKey(new ApiKey("key_1", "acme", HASH, T0, null));

        assertThat(store().revokeKey("globex", "key_1", T0)).isFalse();
        assertThat(store().revokeKey("acme", "key_none", T0)).isFalse();

        assertThat(store().key("key_1").orElseThrow().isRevoked()).isFalse();
    }

    @Test
    default void addKey_ingestKey_roundTripsWithoutCustomer() {
        store().addKey(new ApiKey("key_i", null, HASH, T0, null, ApiKey.Scope.INGEST));

        ApiKey key = store().key("key_i").orElseThrow();

        assertThat(key.scope()).isEqualTo(ApiKey.Scope.INGEST);
        assertThat(key.customerId()).isNull();
        assertThat(key.hash()).containsExactly(HASH);
        assertThat(store().key("key_none")).isEmpty();
    }

    @Test
    default void revokeIngestKey_onlyRevokesIngestKeys() {
        store().addKey(new ApiKey("key_i", null, HASH, T0, null, ApiKey.Scope.INGEST));
        store().addKey(new ApiKey("key_c", "acme", HASH, T0, null));

        assertThat(store().revokeIngestKey("key_c", T0)).isFalse();
        assertThat(store().revokeKey("acme", "key_i", T0)).isFalse();
        assertThat(store().revokeIngestKey("key_i", T0.plusSeconds(3))).isTrue();

        assertThat(store().key("key_i").orElseThrow().revokedAt()).isEqualTo(T0.plusSeconds(3));
        assertThat(store().key("key_c").orElseThrow().isRevoked()).isFalse();
    }

    @Test
    default void putSetting_thenSetting_readsTheLatestValue() {
        store().putSetting("admin_key_hash", "abc");
        store().putSetting("admin_key_hash", "def");

        assertThat(store().setting("admin_key_hash")).contains("def");
        assertThat(store().setting("other")).isEmpty();
    }

    @Test
    default void putSettingIfAbsent_firstStoresIt_laterOnesKeepItAndAnswerIt() {
        assertThat(store().putSettingIfAbsent("session_secret", "first")).isEqualTo("first");

        assertThat(store().putSettingIfAbsent("session_secret", "second")).isEqualTo("first");

        assertThat(store().setting("session_secret")).contains("first");
    }
}
