package dev.tally.bench;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;

import java.util.UUID;

/**
 * The Redis keys of one benchmark run: a fresh prefix, so runs never share counters with each other or with tests
 * on the same Redis, and the removal of every key under it afterwards.
 */
final class RedisKeys {
    /** The Redis the benchmarks use; {@code -Dtally.bench.redis=redis://...} overrides it. Loopback only. */
    static final String URL = System.getProperty("tally.bench.redis", "redis://127.0.0.1:6379");

    private RedisKeys() {
    }

    /** A prefix no other run uses: {@code tally-bench:<uuid>:}. */
    static String freshPrefix() {
        return "tally-bench:" + UUID.randomUUID() + ":";
    }

    /** Deletes every key that starts with {@code prefix}, through a connection of {@code client}. */
    static void deleteAll(RedisClient client, String prefix) {
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            ScanCursor cursor = ScanCursor.INITIAL;
            do {
                KeyScanCursor<String> page = c.sync().scan(cursor, ScanArgs.Builder.matches(prefix + "*")
                        .limit(10_000));
                if (!page.getKeys().isEmpty()) {
                    c.sync().del(page.getKeys().toArray(new String[0]));
                }
                cursor = page;
            } while (!cursor.isFinished());
        }
    }

    /** Deletes every key that starts with {@code prefix} in the Redis at {@code url}. */
    static void deleteAll(String url, String prefix) {
        RedisClient client = RedisClient.create(url);
        try {
            deleteAll(client, prefix);
        } finally {
            client.shutdown();
        }
    }
}
