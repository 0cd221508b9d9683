package dev.tally.server;

import dev.tally.core.catalog.Catalog;
import dev.tally.core.enforce.CounterRebuild;
import dev.tally.core.counter.CounterStore;
import dev.tally.core.counter.InMemoryCounterStore;
import dev.tally.core.rerate.RerateStore;
import dev.tally.core.store.UsageStore;
import dev.tally.redis.RedisCounterStore;
import dev.tally.server.config.ServerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.InstantSource;
import java.util.List;

/**
 * The enforcement counters a node decides with: in this process ({@code local}), rebuilt from the store's rollups at
 * every start; or shared by every node in Redis ({@code redis}, when {@code TALLY_REDIS_URL} is set), filled from
 * the store by the first node that finds them empty or lost (Redis restarted without its data, or counts that could
 * not reach it, or a re-rating whose counter moves a stopped node never made), before any node decides again.
 */
final class CounterBackend implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CounterBackend.class);
    /** How long one node may take to fill empty Redis counters from the store before another one may try. */
    private static final Duration FILL_LEASE = Duration.ofMinutes(5);
    /**
     * How long a decision or a count waits for another node rebuilding the Redis counters before the failure policy
     * decides (a rebuild reads the current windows' rollups: usually well under a second).
     */
    private static final Duration REFILL_WAIT = Duration.ofSeconds(3);
    /** How long a starting node waits for another node filling the Redis counters. */
    private static final Duration FILL_WAIT = Duration.ofMinutes(10);

    private final CounterStore counters;
    private final RedisCounterStore redis;

    private CounterBackend(CounterStore counters, RedisCounterStore redis) {
        this.counters = counters;
        this.redis = redis;
    }

    /**
     * Opens the counters {@code config} names and fills them from the store's committed usage as needed.
     *
     * @param reratings the re-rating records: an applied one whose counter moves were never made (its node stopped
     *                  after the switch) has Redis counters rebuilt from {@code store}, which holds its sums
     */
    static CounterBackend open(ServerConfig config, UsageStore store, RerateStore reratings, Catalog catalog,
                               InstantSource clock) {
        // Read before the counters are filled: a fill that reads the store after this read holds these re-ratings.
        List<String> notMoved = reratings.countersNotMoved();
        if (config.redisUrl() == null) {
            InMemoryCounterStore local = new InMemoryCounterStore();
            int seeds = CounterRebuild.rebuild(local, store, catalog, clock.instant());
            LOG.info("Enforcement counters in this process, rebuilt from {} rollup rows", seeds);
            notMoved.forEach(reratings::markCountersMoved); // rebuilt with them just now
            return new CounterBackend(local, null);
        }
        RedisCounterStore redis = RedisCounterStore.connect(config.redisUrl(), config.redisPrefix());
        try {
            // Also when Redis loses its data while this node runs, or after counts were lost in an outage.
            redis.refillWith(seeding -> {
                int seeds = CounterRebuild.rebuild(seeding, store, catalog, clock.instant());
                LOG.info("Enforcement counters in Redis (key prefix '{}') rebuilt from {} rollup rows",
                        redis.prefix(), seeds);
                return seeds;
            }, FILL_LEASE, REFILL_WAIT);
            if (!notMoved.isEmpty()) {
                // Their nodes stopped between the switch and the counter moves: the counters, which outlived them,
                // lack the changes. The store has them; the next fill (this one, or another node's) reads them.
                LOG.warn("Re-ratings {} were applied but their counter moves were not made (the node stopped): "
                        + "rebuilding the Redis counters from the store", notMoved);
                redis.invalidate();
            }
            int seeds = redis.fillAtStart(FILL_WAIT);
            if (seeds < 0) {
                LOG.info("Enforcement counters in Redis (key prefix '{}'), already filled", redis.prefix());
            }
            notMoved.forEach(reratings::markCountersMoved);
            return new CounterBackend(redis, redis);
        } catch (RuntimeException e) {
            redis.close();
            throw e;
        }
    }

    CounterStore counters() {
        return counters;
    }

    /** {@code redis} or {@code local}, as {@code GET /health} names it. */
    String kind() {
        return redis == null ? "local" : "redis";
    }

    /** Whether the counters can answer: always in process; Redis when it answers a PING. */
    boolean isHealthy() {
        return redis == null || redis.ping();
    }

    @Override
    public void close() {
        if (redis != null) {
            redis.close();
        }
    }
}
