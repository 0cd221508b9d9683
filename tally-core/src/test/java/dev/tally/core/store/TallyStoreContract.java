package dev.tally.core.store;

import dev.tally.core.persistence.TallyStore;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The contract every {@link TallyStore} adapter keeps, as one test suite: an adapter's test extends this class and
 * only says how to open a store over fresh, empty storage. The tests themselves are grouped by port in the
 * interfaces this class implements ({@link UsageStoreContract}, {@link EventLogContract},
 * {@link CatalogStoreContract}, {@link KeyStoreContract}, {@link AlertStoreContract},
 * {@link NotificationStoreContract}).
 */
public abstract class TallyStoreContract implements UsageStoreContract, EventLogContract, CatalogStoreContract,
        KeyStoreContract, AlertStoreContract, NotificationStoreContract {
    private TallyStore store;

    /** Opens a store over fresh, empty storage; called before every test. Failing here fails the test. */
    protected abstract TallyStore openEmptyStore() throws Exception;

    /** Opens another store over the same storage as the last {@link #openEmptyStore()}, as a restart would. */
    protected abstract TallyStore openSameStorage() throws Exception;

    /** Removes the storage of the test that ended, after its store was closed; nothing by default. */
    protected void discardStorage() throws Exception {
    }

    /** The expected {@link TallyStore#backend()}. */
    protected abstract String expectedBackend();

    @BeforeEach
    void openStore() throws Exception {
        store = openEmptyStore();
    }

    @AfterEach
    void closeStore() throws Exception {
        try {
            if (store != null) {
                store.close();
            }
        } finally {
            discardStorage();
        }
    }

    @Override
    public TallyStore store() {
        return store;
    }

    @Override
    public TallyStore reopen() throws Exception {
        store.close();
        store = openSameStorage();
        return store;
    }

    @Test
    void backend_openStore_namesTheDatabase() {
        assertThat(store.backend()).isEqualTo(expectedBackend());
    }

    @Test
    void isHealthy_openStore_true() {
        assertThat(store.isHealthy()).isTrue();
    }

    @Test
    void isHealthy_closedStore_false() {
        store.close();
        assertThat(store.isHealthy()).isFalse();
    }
}
