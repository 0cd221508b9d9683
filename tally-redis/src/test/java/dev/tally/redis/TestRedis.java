package dev.tally.redis;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** The machine's Redis, as the tests use it: a unique key prefix per test, and its keys removed afterwards. */
final class TestRedis {
    static final String URL = System.getProperty("tally.test.redis", "redis://127.0.0.1:6379");

    private TestRedis() {
    }

    private static RedisClient shared;

    /** One client for the whole test run: starting Netty per test would cost more than the tests. */
    static synchronized RedisClient client() {
        if (shared == null) {
            shared = RedisClient.create(URL);
        }
        return shared;
    }

    static String uniquePrefix() {
        return "tally-test:" + UUID.randomUUID() + ":";
    }

    /** Every key under the prefix. */
    static List<String> keys(String prefix) {
        try (StatefulRedisConnection<String, String> c = client().connect()) {
            List<String> keys = new ArrayList<>();
            ScanCursor cursor = ScanCursor.INITIAL;
            do {
                KeyScanCursor<String> page = c.sync().scan(cursor, ScanArgs.Builder.matches(glob(prefix) + "*")
                        .limit(1000));
                keys.addAll(page.getKeys());
                cursor = page;
            } while (!cursor.isFinished());
            return keys;
        }
    }

    static void deleteKeys(String prefix) {
        List<String> keys = keys(prefix);
        if (keys.isEmpty()) {
            return;
        }
        try (StatefulRedisConnection<String, String> c = client().connect()) {
            c.sync().del(keys.toArray(new String[0]));
        }
    }

    private static String glob(String prefix) {
        return prefix.replaceAll("([*?\\[\\]\\\\])", "\\\\$1");
    }
}
