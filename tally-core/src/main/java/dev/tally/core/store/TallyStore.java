package dev.tally.core.store;

/**
 * Everything Tally persists, behind one handle: the ledger, the catalog and the keys. Adapters: SQLite (embedded,
 * the default) and PostgreSQL.
 */
public interface TallyStore extends UsageStore, CatalogStore, KeyStore, AutoCloseable {
    /** A short name of the backend for logs and health, e.g. {@code sqlite} or {@code postgresql}. */
    String backend();

    /** Whether the store answers a trivial query now. */
    boolean isHealthy();

    @Override
    void close();
}
