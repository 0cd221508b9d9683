package dev.tally.server;

import dev.tally.core.cluster.ConfigChanges;
import dev.tally.core.persistence.TallyStore;
import dev.tally.server.jobs.BackgroundJobs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.UUID;

/**
 * This node as one of several on a shared database: its heartbeat in the {@code nodes} table (so {@code /health}
 * counts the live nodes), and the watch for other nodes' configuration changes (woken by the store's change
 * notifications, and polling the configuration version every second as the safety net).
 */
final class ClusterNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterNode.class);
    /** How often the heartbeat is written; well inside {@link #LIVE_WITHIN}, so one late write loses nothing. */
    static final long HEARTBEAT_MILLIS = 2_000;
    /** How often the configuration version is polled when no notification came. */
    static final long CHECK_MILLIS = 1_000;
    /** A node counts while its last heartbeat is this recent. */
    static final Duration LIVE_WITHIN = Duration.ofSeconds(10);

    private final TallyStore store;
    private final String counters;
    private final ConfigChanges changes;
    private final InstantSource clock;
    private final String id = "node_" + UUID.randomUUID();
    private final Instant startedAt;
    private final BackgroundJobs background;
    private volatile int liveNodes = 1;
    private AutoCloseable listener;

    private ClusterNode(TallyStore store, String counters, ConfigChanges changes, InstantSource clock) {
        this.store = store;
        this.counters = counters;
        this.changes = changes;
        this.clock = clock;
        this.startedAt = clock.instant();
        // No grace at a stop: a heartbeat or check cut short loses nothing (the node's row is removed anyway).
        this.background = new BackgroundJobs("tally-cluster", Duration.ZERO);
    }

    /**
     * Registers this node (its first heartbeat is written before this returns, so it counts at once), warns if
     * several nodes enforce with counters of their own, and starts the heartbeat and the change watch.
     *
     * @param counters {@code redis} or {@code local}
     */
    static ClusterNode start(TallyStore store, String counters, ConfigChanges changes, InstantSource clock) {
        ClusterNode node = new ClusterNode(store, counters, changes, clock);
        node.heartbeat();
        if ("local".equals(counters) && node.liveNodes > 1) {
            LOG.warn("{} live Tally nodes share this database but this one keeps its counters in memory: each node "
                    + "enforces limits alone, so together they allow up to {} times a hard limit. Set TALLY_REDIS_URL "
                    + "on every node to share the counters.", node.liveNodes, node.liveNodes);
        }
        node.background.every(Duration.ofMillis(HEARTBEAT_MILLIS), Duration.ofMillis(HEARTBEAT_MILLIS),
                node::heartbeat);
        node.background.every(Duration.ofMillis(CHECK_MILLIS), Duration.ofMillis(CHECK_MILLIS), changes::check);
        try {
            // A notification only makes the next check happen now, on the cluster thread (never on the listener's).
            node.listener = store.listenForChanges(n -> node.checkSoon());
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
        return node;
    }

    private void checkSoon() {
        background.runSoon(changes::check);
    }

    private void heartbeat() {
        try {
            Instant now = clock.instant();
            store.heartbeat(id, counters, startedAt, now);
            liveNodes = store.liveNodes(now.minus(LIVE_WITHIN));
        } catch (RuntimeException e) {
            BackgroundJobs.failed(LOG, "Writing this node's heartbeat failed; it will be tried again", e);
        }
    }

    /** The nodes seen within {@link #LIVE_WITHIN} at the last heartbeat (kept, so /health never waits for it). */
    int liveNodes() {
        return liveNodes;
    }

    /** This node's id in the {@code nodes} table. */
    String id() {
        return id;
    }

    /** Stops the heartbeat and the watch, and removes this node's row so it stops counting at once. */
    @Override
    public void close() {
        if (listener != null) {
            try {
                listener.close();
            } catch (Exception e) {
                LOG.warn("Stopping the configuration listener failed", e);
            }
        }
        // Before the row is removed, so a heartbeat in flight cannot write it back.
        background.close();
        try {
            store.leave(id);
        } catch (RuntimeException e) {
            LOG.warn("Removing this node from the nodes table failed; it stops counting within {} s",
                    LIVE_WITHIN.toSeconds(), e);
        }
    }
}
