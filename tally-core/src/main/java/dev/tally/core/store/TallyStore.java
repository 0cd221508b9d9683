package dev.tally.core.store;

import dev.tally.core.alert.AlertStore;

/**
 * Everything Tally persists, behind one handle: the ledger, the catalog, the keys and the alerts. Adapters: SQLite
 * (embedded, the default) and PostgreSQL.
 */
public interface TallyStore extends UsageStore, CatalogStore, KeyStore, AlertStore, AutoCloseable {
    /** A short name of the backend for logs and health, e.g. {@code sqlite} or {@code postgresql}. */
    String backend();

    /** Whether the store answers a trivial query now. */
    boolean isHealthy();

    @Override
    void close();
}
