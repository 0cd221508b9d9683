package dev.tally.core.cluster;

import java.time.Instant;
import java.util.function.LongConsumer;

/**
 * What a node needs of the shared database to behave as one of several: the configuration version, the node
 * registry, notifications of changes and locks around schedules. The defaults describe a database only one node
 * uses.
 */
public interface ClusterStore {
    /**
     * The configuration version: it grows in the same transaction as every change of plans, customers, prices, keys
     * or channels, so a node whose caches were read at version {@code v} is stale when this answers more than
     * {@code v}.
     */
    default long configVersion() {
        return 0;
    }

    /**
     * Records that node {@code nodeId} is alive at {@code now} (creating its row on the first call).
     *
     * @param counters {@code redis} or {@code local}: the kind of counters the node enforces with
     */
    default void heartbeat(String nodeId, String counters, Instant startedAt, Instant now) {
    }

    /** Removes a stopping node's row, so it stops counting at once. */
    default void leave(String nodeId) {
    }

    /** The nodes whose last heartbeat is at or after {@code since}. */
    default int liveNodes(Instant since) {
        return 1;
    }

    /**
     * Starts listening for change notifications from other nodes (PostgreSQL {@code LISTEN}); {@code onChange} is
     * called on the listener's thread with nothing meaningful (check the version). The listener reconnects on its
     * own; closing the answer stops it. Stores without notifications answer a no-op.
     */
    default AutoCloseable listenForChanges(LongConsumer onChange) {
        return () -> {
        };
    }

    /**
     * Runs {@code work} if no other node is running the job named {@code job} now (PostgreSQL advisory lock), and
     * answers whether it ran. Stores used by one node run it at once.
     */
    default boolean runExclusively(String job, Runnable work) {
        work.run();
        return true;
    }
}
