package dev.tally.core.persistence;

import dev.tally.core.adjust.AdjustmentStore;
import dev.tally.core.alert.AlertStore;
import dev.tally.core.cluster.ClusterStore;
import dev.tally.core.gateway.UpstreamStore;
import dev.tally.core.notify.NotificationStore;
import dev.tally.core.rerate.RerateStore;
import dev.tally.core.store.CatalogStore;
import dev.tally.core.store.KeyStore;
import dev.tally.core.store.UsageStore;

/**
 * Everything Tally persists, behind one handle: the ledger, its adjustments and re-ratings, the catalog, the keys,
 * the alerts, the notification outbox and the gateway's upstreams. Adapters: SQLite (embedded, the default) and PostgreSQL.
 */
public interface TallyStore extends UsageStore, AdjustmentStore, CatalogStore, KeyStore, AlertStore,
        NotificationStore, ClusterStore, UpstreamStore, RerateStore, AutoCloseable {
    /** A short name of the backend for logs and health, e.g. {@code sqlite} or {@code postgresql}. */
    String backend();

    /** Whether the store answers a trivial query now. */
    boolean isHealthy();

    @Override
    void close();
}
