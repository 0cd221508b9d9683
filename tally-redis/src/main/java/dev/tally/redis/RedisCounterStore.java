package dev.tally.redis;

import dev.tally.core.counter.Charge;
import dev.tally.core.counter.CounterSpec;
import dev.tally.core.counter.CounterState;
import dev.tally.core.counter.CounterStore;
import dev.tally.core.limit.Limit;
import dev.tally.core.period.Period;
import dev.tally.core.period.Window;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Enforcement counters and reservations in one Redis, shared by every Tally node that names the same Redis and
 * prefix, so hard limits hold across all of them.
 *
 * <p>Each operation is one call of one Lua script ({@code counters.lua}, loaded once with {@code SCRIPT LOAD}, run
 * with {@code EVALSHA}, loaded again if Redis answers {@code NOSCRIPT} after a restart), so an authorization checks
 * and holds every limit of the call in one round trip, all or none, and settlement and release happen at most once.
 * Windows behave as in {@code InMemoryCounterStore}: day and month are calendar periods of the customer (computed
 * here, where the time zones are), minute and hour slide in 60 slots (usage leaves up to one slot early: at most
 * {@code limit * (1 + 1/60)} in any window). The time of every decision is the caller's, passed to the script.
 *
 * <p>Held reservations are undone at their expiry, before the customer's next operation (as in memory); every key
 * has a TTL in Redis, so what a customer who never returns leaves behind disappears by itself.
 *
 * <p>Limits: amounts and limits are counted exactly up to 2^53-1 in the stored unit (for cost, about 9 million
 * dollars in nano-dollars per window); larger ones are refused with {@link IllegalArgumentException}. The script
 * builds the keys of a customer itself, so a Redis Cluster is not supported; use one Redis (with replicas or
 * Sentinel for availability).
 */
public final class RedisCounterStore implements CounterStore, AutoCloseable {
    /** How long a Redis command may take before the call fails (and the failure policy decides), by default. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
    /** The largest amount or limit Lua's doubles hold exactly. */
    static final long MAX_EXACT = (1L << 53) - 1;
    private static final String SCRIPT = readScript();
    private static final String[] NO_KEYS = new String[0];

    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final RedisCommands<String, String> redis;
    private final String prefix;
    private volatile String sha;
    /** Counter names by limit key: computed once, they are part of every call. */
    private final Map<Limit.LimitKey, String> counterNames = new ConcurrentHashMap<>();

    private RedisCounterStore(RedisClient client, StatefulRedisConnection<String, String> connection, String prefix) {
        this.client = client;
        this.connection = connection;
        this.redis = connection.sync();
        this.prefix = checkPrefix(prefix);
        this.sha = redis.scriptLoad(SCRIPT);
    }

    /**
     * Connects to the Redis at {@code url} ({@code redis://host:port/db}, {@code rediss://...}) and loads the script.
     * Commands time out after {@link #DEFAULT_TIMEOUT} unless the URL names a {@code timeout}.
     *
     * @param prefix begins every key, so several installations can share a Redis (e.g. {@code tally:})
     * @throws io.lettuce.core.RedisException if Redis cannot be reached
     */
    public static RedisCounterStore connect(String url, String prefix) {
        RedisURI uri = RedisURI.create(Objects.requireNonNull(url, "url"));
        if (!url.contains("timeout=")) {
            uri.setTimeout(DEFAULT_TIMEOUT);
        }
        RedisClient client = RedisClient.create(uri);
        // While the connection is down, fail at once (and let the failure policy decide) rather than queue the call
        // for the reconnect and answer after the timeout.
        client.setOptions(ClientOptions.builder()
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS).build());
        try {
            return new RedisCounterStore(client, client.connect(), prefix);
        } catch (RuntimeException e) {
            client.shutdown();
            throw e;
        }
    }

    /**
     * Opens a store on a connection of {@code client}, which the caller keeps and shuts down (after closing this
     * store); several stores, or a store and other users, may share one client.
     *
     * @throws io.lettuce.core.RedisException if Redis cannot be reached
     */
    public static RedisCounterStore connect(RedisClient client, String prefix) {
        return new RedisCounterStore(null, client.connect(), prefix);
    }

    private static String checkPrefix(String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        if (prefix.indexOf('{') >= 0 || prefix.indexOf('}') >= 0) {
            throw new IllegalArgumentException("Redis key prefix was '" + prefix + "'; it must not contain braces");
        }
        return prefix;
    }

    /** The prefix of every key this store writes. */
    public String prefix() {
        return prefix;
    }

    /** Whether Redis answers a PING within the command timeout. */
    public boolean ping() {
        try {
            return "PONG".equals(redis.ping());
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Fills empty counters once: the first node to find them unfilled takes a lease, runs {@code rebuild} (which
     * records the store's committed usage through this store) and marks them filled; other nodes starting meanwhile
     * wait for the mark. If the filling node dies, its lease runs out and the next waiting node fills them.
     *
     * @param rebuild fills the counters; must finish within {@code lease}
     * @return whether this node filled them (false: they were filled already, or by another node meanwhile)
     * @throws IllegalStateException if they are still not filled after {@code maxWait}
     */
    public boolean fillOnce(Runnable rebuild, Duration lease, Duration maxWait) {
        String filled = prefix + "filled";
        String filling = prefix + "filling";
        long deadline = System.nanoTime() + maxWait.toNanos();
        String me = Long.toHexString(ThreadLocalRandom.current().nextLong());
        while (redis.exists(filled) == 0) {
            if ("OK".equals(redis.set(filling, me, SetArgs.Builder.nx().px(lease.toMillis())))) {
                // Whatever a node that died while filling left would be counted twice: start from nothing.
                deleteCounters();
                rebuild.run();
                redis.set(filled, Long.toString(System.currentTimeMillis()));
                redis.del(filling);
                return true;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("The Redis counters under '" + prefix + "' are still being filled "
                        + "by another node after " + maxWait.toSeconds() + " s (lease key " + filling + ")");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for the Redis counters to be filled", e);
            }
        }
        return false;
    }

    /** Deletes every counter and reservation under the prefix (not the fill marks). */
    private void deleteCounters() {
        for (String pattern : new String[]{glob(prefix) + "{*", glob(prefix) + "r:*"}) {
            ScanCursor cursor = ScanCursor.INITIAL;
            do {
                KeyScanCursor<String> page = redis.scan(cursor, ScanArgs.Builder.matches(pattern).limit(1000));
                if (!page.getKeys().isEmpty()) {
                    redis.del(page.getKeys().toArray(new String[0]));
                }
                cursor = page;
            } while (!cursor.isFinished());
        }
    }

    private static String glob(String text) {
        return text.replaceAll("([*?\\[\\]\\\\])", "\\\\$1");
    }

    @Override
    public Outcome reserve(String customerId, List<Charge> charges, Instant holdUntil, Instant now) {
        long nowMs = now.toEpochMilli();
        long key = ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
        long tag = ThreadLocalRandom.current().nextLong();
        String[] args = new String[8 + 7 * charges.size()];
        args[0] = "reserve";
        args[1] = prefix;
        args[2] = customerId;
        args[3] = Long.toString(nowMs);
        args[4] = holdUntil == null ? "" : Long.toString(holdUntil.toEpochMilli());
        args[5] = Long.toString(key);
        args[6] = Long.toString(tag);
        args[7] = Integer.toString(charges.size());
        int i = 8;
        for (Charge charge : charges) {
            CounterSpec spec = charge.spec();
            args[i++] = isSliding(spec.window()) ? "s" : "c";
            args[i++] = counterName(spec.key());
            if (isSliding(spec.window())) {
                args[i++] = Long.toString(slotMs(spec.window()));
                args[i++] = "";
            } else {
                Period p = spec.window().periodAt(spec.zone(), spec.billingDay(), now);
                args[i++] = Long.toString(p.start().toEpochMilli());
                args[i++] = Long.toString(p.end().toEpochMilli());
            }
            args[i++] = Long.toString(exact(spec.limit(), "limit", spec));
            args[i++] = spec.enforced() ? "1" : "0";
            args[i++] = Long.toString(exact(charge.amount(), "amount", spec));
        }
        List<Object> answer = run(ScriptOutputType.MULTI, args);
        List<CounterState> states = new ArrayList<>(charges.size());
        for (int c = 0; c < charges.size(); c++) {
            int at = 1 + 5 * c;
            states.add(new CounterState(number(answer, at), number(answer, at + 1), number(answer, at + 2) == 1,
                    number(answer, at + 3), number(answer, at + 4)));
        }
        Handle held = number(answer, 0) == 1 ? new Handle(key, tag) : null;
        return new Outcome(states, held);
    }

    @Override
    public String release(Handle reservation, Instant now) {
        if (reservation == null) {
            return null;
        }
        return run(ScriptOutputType.VALUE, "release", prefix, Long.toString(reservation.key()),
                Long.toString(reservation.tag()), Long.toString(now.toEpochMilli()));
    }

    @Override
    public void record(String customerId, List<Charge> usage, Instant eventTime, Handle settles, Instant now) {
        run(ScriptOutputType.MULTI, recordArgs(customerId, usage, eventTime, settles, now, false));
    }

    @Override
    public List<CounterState> recordAndRead(String customerId, List<Charge> usage, Instant eventTime,
                                            Handle settles, Instant now) {
        List<Object> answer = run(ScriptOutputType.MULTI, recordArgs(customerId, usage, eventTime, settles, now,
                true));
        List<CounterState> states = new ArrayList<>(usage.size());
        for (int c = 0; c < usage.size(); c++) {
            states.add(new CounterState(number(answer, c), 0, true, 0, 0));
        }
        return states;
    }

    private String[] recordArgs(String customerId, List<Charge> usage, Instant eventTime, Handle settles,
                                Instant now, boolean readBack) {
        String[] args = new String[8 + 6 * usage.size()];
        args[0] = "record";
        args[1] = prefix;
        args[2] = customerId;
        args[3] = Long.toString(now.toEpochMilli());
        args[4] = settles == null ? "" : Long.toString(settles.key());
        args[5] = settles == null ? "" : Long.toString(settles.tag());
        args[6] = readBack ? "1" : "0";
        args[7] = Integer.toString(usage.size());
        int i = 8;
        for (Charge charge : usage) {
            CounterSpec spec = charge.spec();
            args[i++] = isSliding(spec.window()) ? "s" : "c";
            args[i++] = counterName(spec.key());
            if (isSliding(spec.window())) {
                args[i++] = Long.toString(slotMs(spec.window()));
                args[i++] = Long.toString(eventTime.toEpochMilli());
                args[i++] = "";
            } else {
                Period event = spec.window().periodAt(spec.zone(), spec.billingDay(), eventTime);
                args[i++] = Long.toString(event.start().toEpochMilli());
                args[i++] = Long.toString(event.end().toEpochMilli());
                args[i++] = readBack
                        ? Long.toString(spec.window().periodAt(spec.zone(), spec.billingDay(), now).start()
                        .toEpochMilli())
                        : "";
            }
            args[i++] = Long.toString(exact(charge.amount(), "amount", spec));
        }
        return args;
    }

    /** Runs the script, loading it again once if Redis lost it (a restart, or {@code SCRIPT FLUSH}). */
    private <T> T run(ScriptOutputType type, String... args) {
        try {
            return redis.evalsha(sha, type, NO_KEYS, args);
        } catch (RedisNoScriptException e) {
            sha = redis.scriptLoad(SCRIPT);
            return redis.evalsha(sha, type, NO_KEYS, args);
        }
    }

    private static long number(List<Object> answer, int index) {
        return (Long) answer.get(index);
    }

    private static boolean isSliding(Window window) {
        return window == Window.MINUTE || window == Window.HOUR;
    }

    /** A sliding window's slot: a 60th of the window (a second for a minute, a minute for an hour). */
    private static long slotMs(Window window) {
        return window == Window.MINUTE ? 1_000L : 60_000L;
    }

    private static long exact(long value, String what, CounterSpec spec) {
        if (value > MAX_EXACT || value < -MAX_EXACT) {
            throw new IllegalArgumentException(what + " of " + spec.key() + " was " + value
                    + "; the Redis counters count exactly only up to 2^53-1 (" + MAX_EXACT + ")");
        }
        return value;
    }

    /**
     * The counter's name inside a customer's keys: window, metric and filters, each length-prefixed (an absent
     * filter is {@code -}), so no two limits share a name whatever characters their filters hold.
     */
    private String counterName(Limit.LimitKey key) {
        String name = counterNames.get(key);
        if (name == null) {
            StringBuilder sb = new StringBuilder(key.window().wireName()).append(':');
            for (String part : new String[]{key.metric(), key.provider(), key.model(), key.endpoint()}) {
                if (part == null) {
                    sb.append('-');
                } else {
                    sb.append(part.length()).append('\'').append(part);
                }
            }
            name = sb.toString();
            if (counterNames.size() > 10_000) {
                counterNames.clear(); // limits of a catalog that changed a lot; names are cheap to compute again
            }
            counterNames.put(key, name);
        }
        return name;
    }

    private static String readScript() {
        try (InputStream in = RedisCounterStore.class.getResourceAsStream("counters.lua")) {
            if (in == null) {
                throw new IllegalStateException("counters.lua is missing from the tally-redis jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Closes the connection (and the client, when this store made it). */
    @Override
    public void close() {
        connection.close();
        if (client != null) {
            client.shutdown();
        }
    }
}
