package dev.tally.server;

import dev.tally.core.catalog.Catalog;
import dev.tally.core.enforce.CounterRebuild;
import dev.tally.core.counter.CounterStore;
import dev.tally.core.counter.InMemoryCounterStore;
import dev.tally.core.store.UsageStore;
import dev.tally.redis.RedisCounterStore;
import dev.tally.server.config.ServerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.InstantSource;

/**
 * The enforcement counters a node decides with: in this process ({@code local}), rebuilt from the store's rollups at
 * every start; or shared by every node in Redis ({@code redis}, when {@code TALLY_REDIS_URL} is set), filled from
 * the store once, by the first node that finds them empty.
 */
final class CounterBackend implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CounterBackend.class);
    /** How long one node may take to fill empty Redis counters from the store before another one may try. */
    private static final Duration FILL_LEASE = Duration.ofMinutes(5);
    /** How long a starting node waits for another node filling the Redis counters. */
    private static final Duration FILL_WAIT = Duration.ofMinutes(10);

    private final CounterStore counters;
    private final RedisCounterStore redis;

    private CounterBackend(CounterStore counters, RedisCounterStore redis) {
        this.counters = counters;
        this.redis = redis;
    }

    /** Opens the counters {@code config} names and fills them from the store's committed usage as needed. */
    static CounterBackend open(ServerConfig config, UsageStore store, Catalog catalog, InstantSource clock) {
        if (config.redisUrl() == null) {
            InMemoryCounterStore local = new InMemoryCounterStore();
            int seeds = CounterRebuild.rebuild(local, store, catalog, clock.instant());
            LOG.info("Enforcement counters in this process, rebuilt from {} rollup rows", seeds);
            return new CounterBackend(local, null);
        }
        RedisCounterStore redis = RedisCounterStore.connect(config.redisUrl(), config.redisPrefix());
        try {
            int[] seeds = {0};
            boolean filled = redis.fillOnce(() -> seeds[0] = CounterRebuild.rebuild(redis, store, catalog,
                    clock.instant()), FILL_LEASE, FILL_WAIT);
            LOG.info("Enforcement counters in Redis (key prefix '{}'){}", redis.prefix(),
                    filled ? ", filled from " + seeds[0] + " rollup rows" : ", already filled");
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
