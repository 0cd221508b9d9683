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
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScriptOutputType;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.ToIntFunction;

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
 * <p>The counters hold the store's usage only while the mark {@code <prefix>filled} exists: every script call checks
 * it, and without it (Redis restarted empty, flushed) refuses, and this store rebuilds the counters from the store
 * ({@link #refillWith}, {@link #fill}) before it decides or counts again. Counts that could not reach Redis drop the
 * mark once it answers again, so they are counted from the store too.
 *
 * <p>Limits: limits are compared exactly up to 2^53-1 in the stored unit (for cost, about 9 million dollars in
 * nano-dollars per window); larger ones are refused with {@link IllegalArgumentException} (the server refuses them
 * when they are set). Amounts of any size are counted exactly by Redis; usage above 2^53 is over every such limit,
 * and the script reads it to within a few units (the {@code used} it answers is then approximate). The script
 * builds the keys of a customer itself, so a Redis Cluster is not supported; use one Redis (with replicas or
 * Sentinel for availability).
 */
public final class RedisCounterStore implements CounterStore, AutoCloseable {
    /** How long a Redis command may take before the call fails (and the failure policy decides), by default. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
    /** How long one node may take to rebuild the counters before another may take over, by default. */
    public static final Duration DEFAULT_REFILL_LEASE = Duration.ofMinutes(5);
    /** How long an operation waits for counters being rebuilt before it fails (and the policy decides), by default. */
    public static final Duration DEFAULT_REFILL_WAIT = Duration.ofSeconds(3);
    /** The error a script call answers when the counters are not filled (Redis lost them, or never had them). */
    static final String UNFILLED = "TALLYUNFILLED";
    /** How often a start tries a Redis handshake that timed out. */
    private static final int CONNECT_ATTEMPTS = 3;
    /**
     * The largest amount or limit Lua's doubles hold exactly (2^53-1), in a metric's stored unit: limits above it
     * must be refused when they are set (the server's catalog does), as every decision on them would fail.
     */
    public static final long MAX_EXACT = (1L << 53) - 1;
    private static final String SCRIPT = readScript();
    private static final String[] NO_KEYS = new String[0];

    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final RedisCommands<String, String> redis;
    private final String prefix;
    private volatile String sha;
    /** Counter names by limit key: computed once, they are part of every call. */
    private final Map<Limit.LimitKey, String> counterNames = new ConcurrentHashMap<>();
    /** One rebuild at a time in this process; the lease in Redis makes it one across the nodes. */
    private final ReentrantLock refilling = new ReentrantLock();
    /** Names this node's lease, so a lease that ran out and was taken by another node is not finished here. */
    private final String owner = Long.toHexString(ThreadLocalRandom.current().nextLong());
    /** Until {@link #refillWith} names a store, there is none: unfilled counters start from zero. */
    private volatile Refill refill = new Refill(null, DEFAULT_REFILL_LEASE, DEFAULT_REFILL_WAIT);
    /**
     * Set when a count of stored events could not reach Redis: the counters then miss them until they are rebuilt
     * from the store, which the next operation that reaches Redis asks for.
     */
    private volatile boolean uncounted;

    private RedisCounterStore(RedisClient client, StatefulRedisConnection<String, String> connection, String prefix) {
        this.client = client;
        this.connection = connection;
        this.redis = connection.sync();
        this.prefix = checkPrefix(prefix);
        this.sha = whileConnecting(() -> redis.scriptLoad(SCRIPT));
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
            return new RedisCounterStore(client, connectPatiently(client), prefix);
        } catch (RuntimeException e) {
            client.shutdown();
            throw e;
        }
    }

    /**
     * The first connection of a process: its handshake shares the command timeout, and on a cold JVM (Netty's classes
     * still loading) on a busy machine it can take longer, so a timed-out handshake is tried again a few times. A
     * refused connection (nothing listens) fails at once.
     */
    private static StatefulRedisConnection<String, String> connectPatiently(RedisClient client) {
        for (int attempt = 1; ; attempt++) {
            try {
                return client.connect();
            } catch (RedisConnectionException e) {
                if (attempt == CONNECT_ATTEMPTS || !(e.getCause() instanceof RedisCommandTimeoutException)) {
                    throw e;
                }
            }
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

    /**
     * Runs a start-up command, trying again for a few seconds while the new connection is not (or no longer) up: on a
     * cold JVM on a busy machine the first connection can drop before its first command, and Lettuce reconnects by
     * itself. A start is not latency-bound; a decision is, so only starts wait like this.
     */
    private static <T> T whileConnecting(java.util.function.Supplier<T> command) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            try {
                return command.get();
            } catch (RedisCommandExecutionException e) {
                throw e; // Redis answered: nothing to wait for
            } catch (RedisException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            }
        }
    }

    /** Like {@link #fill}, for a node's start: waits up to a few seconds more for its new connection to be up. */
    public int fillAtStart(Duration maxWait) {
        return whileConnecting(() -> fill(maxWait));
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
            boolean up = "PONG".equals(redis.ping());
            if (up) {
                // A node that ingests nothing more still gets its lost counts rebuilt once Redis is back.
                catchUp();
            }
            return up;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * How this store rebuilds its counters when it finds them unfilled: at the first operation on an empty Redis,
     * after Redis lost its data (a restart without persistence, {@code FLUSHALL}, an evicted mark), and after events
     * could not be counted while Redis was unreachable. Without one, unfilled counters start from zero.
     *
     * @param rebuild records the store's committed usage through the store it is given (which writes past the
     *                missing mark) and answers how many seeds it wrote; must finish within {@code lease}
     * @param lease   how long one node may take before another may take over (its lease in Redis runs out)
     * @param maxWait how long an operation waits for another node's rebuild before it fails
     */
    public void refillWith(ToIntFunction<CounterStore> rebuild, Duration lease, Duration maxWait) {
        refill = new Refill(Objects.requireNonNull(rebuild, "rebuild"), checkPositive(lease, "lease"),
                checkPositive(maxWait, "wait"));
    }

    private static Duration checkPositive(Duration d, String what) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("refill " + what + " was " + d + "; it must be positive");
        }
        return d;
    }

    /**
     * Fills the counters from the store unless they are filled: the first node to find them unfilled takes a lease
     * and rebuilds them ({@link #refillWith}); others wait for the mark. If the rebuilding node dies, its lease runs
     * out and the next waiting node rebuilds them.
     *
     * @return the seeds this node wrote, or -1 if they were filled already or by another node meanwhile
     * @throws CountersUnavailableException if they are still not filled after {@code maxWait}
     */
    public int fill(Duration maxWait) {
        long deadline = System.nanoTime() + maxWait.toNanos();
        try {
            if (!refilling.tryLock(maxWait.toNanos(), TimeUnit.NANOSECONDS)) {
                throw notFilledAfter(maxWait);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CountersUnavailableException("Interrupted while waiting for the Redis counters to be filled", e);
        }
        try {
            while (true) {
                String begun = run(ScriptOutputType.VALUE, "begin", prefix, owner,
                        Long.toString(refill.lease().toMillis()));
                if ("filled".equals(begun)) {
                    return -1;
                }
                if (begun.startsWith("ok ")) {
                    return rebuild(begun.substring(3));
                }
                if (System.nanoTime() > deadline) {
                    throw notFilledAfter(maxWait);
                }
                // Another node rebuilds; its rebuild takes at least a read of the store, so polling more often
                // than this gains nothing.
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
        } finally {
            refilling.unlock();
        }
    }

    private CountersUnavailableException notFilledAfter(Duration maxWait) {
        return new CountersUnavailableException("The Redis counters under '" + prefix + "' are still being rebuilt "
                + "from the store by another node after " + maxWait.toMillis() + " ms (lease key " + prefix
                + "filling)", null);
    }

    /** Under this node's lease: empties the counters, reads the store into them, and sets the mark. */
    private int rebuild(String epoch) {
        while (true) {
            // Whatever is there is stale (a rebuild that died, or counts made before an invalidation): start from
            // nothing. Pending reservations go with it: they are released.
            deleteCounters();
            if (!run(ScriptOutputType.INTEGER, "phase", prefix, owner, "read").equals(1L)) {
                throw leaseLost();
            }
            ToIntFunction<CounterStore> fromStore = refill.rebuild();
            int seeds = fromStore == null ? 0 : fromStore.applyAsInt(seeding);
            String finished = run(ScriptOutputType.VALUE, "finish", prefix, owner, epoch,
                    Long.toString(System.currentTimeMillis()));
            if ("done".equals(finished)) {
                return seeds;
            }
            if ("lost".equals(finished)) {
                throw leaseLost();
            }
            epoch = finished.substring("again ".length());
        }
    }

    private CountersUnavailableException leaseLost() {
        return new CountersUnavailableException("This node's lease on rebuilding the Redis counters under '" + prefix
                + "' ran out (" + refill.lease().toSeconds() + " s) before the rebuild ended", null);
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
        catchUp();
        long key = ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
        long tag = ThreadLocalRandom.current().nextLong();
        String[] args = reserveArgs(customerId, charges, holdUntil, now, key, tag);
        List<Object> answer;
        try {
            answer = run(ScriptOutputType.MULTI, args);
        } catch (RedisCommandExecutionException e) {
            if (phaseIfUnfilled(e) == null) {
                throw e;
            }
            // No decision on counters that miss the store's usage: rebuild (or wait for the node rebuilding), then
            // decide once. Past the wait this fails, and the failure policy decides.
            fill(refill.maxWait());
            answer = run(ScriptOutputType.MULTI, args);
        }
        List<CounterState> states = new ArrayList<>(charges.size());
        for (int c = 0; c < charges.size(); c++) {
            int at = 1 + 5 * c;
            states.add(new CounterState(number(answer, at), number(answer, at + 1), number(answer, at + 2) == 1,
                    number(answer, at + 3), number(answer, at + 4)));
        }
        Handle held = number(answer, 0) == 1 ? new Handle(key, tag) : null;
        return new Outcome(states, held);
    }

    private String[] reserveArgs(String customerId, List<Charge> charges, Instant holdUntil, Instant now, long key,
                                 long tag) {
        String[] args = new String[8 + 7 * charges.size()];
        args[0] = "reserve";
        args[1] = prefix;
        args[2] = customerId;
        args[3] = Long.toString(now.toEpochMilli());
        args[4] = holdUntil == null ? "" : Long.toString(holdUntil.toEpochMilli());
        args[5] = Long.toString(key);
        args[6] = Long.toString(tag);
        args[7] = Integer.toString(charges.size());
        int i = 8;
        for (Charge charge : charges) {
            CounterSpec spec = charge.spec();
            args[i++] = isSliding(spec.window()) ? "s" : "c";
            args[i++] = counterName(charge);
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
            args[i++] = Long.toString(charge.amount());
        }
        return args;
    }

    @Override
    public String release(Handle reservation, Instant now) {
        if (reservation == null) {
            return null;
        }
        catchUp();
        try {
            return run(ScriptOutputType.VALUE, "release", prefix, Long.toString(reservation.key()),
                    Long.toString(reservation.tag()), Long.toString(now.toEpochMilli()));
        } catch (RedisCommandExecutionException e) {
            if (phaseIfUnfilled(e) == null) {
                throw e;
            }
            return null; // counters rebuilt from the store hold no reservation: every pending one is released
        }
    }

    @Override
    public void record(String customerId, List<Charge> usage, Instant eventTime, Handle settles, Instant now) {
        count(recordArgs("record", customerId, usage, eventTime, settles, now, false));
    }

    @Override
    public List<CounterState> recordAndRead(String customerId, List<Charge> usage, Instant eventTime,
                                            Handle settles, Instant now) {
        List<Object> answer = count(recordArgs("record", customerId, usage, eventTime, settles, now, true));
        if (answer == null) {
            // Counted by the rebuild instead: read the counters as they now stand.
            return reserve(customerId, usage, null, now).states();
        }
        List<CounterState> states = new ArrayList<>(usage.size());
        for (int c = 0; c < usage.size(); c++) {
            states.add(new CounterState(number(answer, c), 0, true, 0, 0));
        }
        return states;
    }

    /**
     * Counts a stored event. Refused because the counters are unfilled: the event was stored before this call, so a
     * rebuild whose reading of the store began after the refusal (phase {@code none} or {@code block}) counts it,
     * and it is dropped here (answering null); refused while a rebuild reads the store, it is counted again once
     * the counters are filled (should the reading have included it after all, it counts twice: an over-count,
     * which can deny early but never lets a limit be exceeded). A count that cannot reach Redis at all leaves the
     * counters short of the store, so they are rebuilt once Redis answers again.
     */
    private List<Object> count(String[] args) {
        catchUp();
        try {
            return run(ScriptOutputType.MULTI, args);
        } catch (RedisCommandExecutionException e) {
            String phase = phaseIfUnfilled(e);
            if (phase == null) {
                throw e;
            }
            if (phase.equals("read") || refill.rebuild() == null) {
                try {
                    fill(refill.maxWait());
                    return run(ScriptOutputType.MULTI, args);
                } catch (RuntimeException notCounted) {
                    uncounted = true;
                    throw notCounted;
                }
            }
            try {
                fill(refill.maxWait());
            } catch (RuntimeException notYet) {
                // The event is in the store before the reading of any rebuild still to come; the next operation
                // that finds the counters unfilled tries again.
            }
            return null;
        } catch (RedisException e) {
            uncounted = true;
            throw e;
        }
    }

    /** After counts were lost while Redis was unreachable: drops the mark, so the next operation rebuilds. */
    private void catchUp() {
        if (uncounted) {
            invalidate();
            uncounted = false;
        }
    }

    /**
     * Drops the mark, so the next operation of any node (or {@link #fill}) rebuilds the counters from the store: for
     * changes the store holds that the counters missed (counts lost in an outage, a re-rating's counter moves that
     * a stopped node never made). A rebuild under way starts again, so it reads them too.
     */
    public void invalidate() {
        run(ScriptOutputType.INTEGER, "invalidate", prefix);
    }

    /** The rebuild's phase if {@code e} is the script's refusal of unfilled counters, else null. */
    private static String phaseIfUnfilled(RedisCommandExecutionException e) {
        String message = e.getMessage();
        if (message == null) {
            return null;
        }
        int at = message.indexOf(UNFILLED);
        if (at < 0) {
            return null;
        }
        String rest = message.substring(at + UNFILLED.length()).trim();
        int end = rest.indexOf(' ');
        return end < 0 ? rest : rest.substring(0, end);
    }

    private String[] recordArgs(String op, String customerId, List<Charge> usage, Instant eventTime, Handle settles,
                                Instant now, boolean readBack) {
        String[] args = new String[8 + 6 * usage.size()];
        args[0] = op;
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
            args[i++] = counterName(charge);
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
            args[i++] = Long.toString(charge.amount());
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

    /**
     * A limit the script can compare exactly. Amounts need no such check: Redis adds them as 64-bit integers
     * ({@code HINCRBY}), and above 2^53 a sum the script reads is off by a few units at most, but then over every
     * limit this allows, so each decision stays right (a hostile estimate above 2^53 is denied, not a failure that
     * the failure policy would decide).
     */
    private static long exact(long value, String what, CounterSpec spec) {
        if (value > MAX_EXACT || value < -MAX_EXACT) {
            throw new IllegalArgumentException(what + " of " + spec.key() + " was " + value
                    + "; the Redis counters count exactly only up to 2^53-1 (" + MAX_EXACT + ")");
        }
        return value;
    }

    /**
     * The name of a charge's counter: its limit's name, and for a {@code per} limit the user's (or dimension value's)
     * counter under it, length-prefixed like the rest. A user's counter is then a key of its own like any other
     * ({@code P{C}:w:<name>:<start>} for a day), held and released in the same script call as the customer's, and gone
     * with its window's TTL once the user is idle.
     */
    private String counterName(Charge charge) {
        String name = counterName(charge.spec().key());
        return charge.value() == null ? name : name + "#" + charge.value().length() + '\'' + charge.value();
    }

    /**
     * The counter's name inside a customer's keys: window, metric and filters (provider, model, endpoint, user,
     * dimensions, per), each length-prefixed (an absent filter is {@code -}), so no two limits share a name whatever
     * characters their filters hold.
     */
    private String counterName(Limit.LimitKey key) {
        String name = counterNames.get(key);
        if (name == null) {
            StringBuilder sb = new StringBuilder(key.window().wireName()).append(':');
            for (String part : new String[]{key.metric(), key.provider(), key.model(), key.endpoint()}) {
                appendPart(sb, part);
            }
            // Limits of the customer as a whole keep the names they had before limits on end users existed.
            if (key.user() != null || !key.dimensions().isEmpty() || key.per() != null) {
                appendPart(sb, key.user());
                key.dimensions().forEach((k, v) -> {
                    appendPart(sb, k);
                    appendPart(sb, v);
                });
                sb.append('/');
                appendPart(sb, key.per());
            }
            name = sb.toString();
            if (counterNames.size() > 10_000) {
                counterNames.clear(); // limits of a catalog that changed a lot; names are cheap to compute again
            }
            counterNames.put(key, name);
        }
        return name;
    }

    private static void appendPart(StringBuilder sb, String part) {
        if (part == null) {
            sb.append('-');
        } else {
            sb.append(part.length()).append('\'').append(part);
        }
    }

    /** Writes the rebuild's seeds past the missing mark; nothing else may be done with it. */
    private final CounterStore seeding = new CounterStore() {
        @Override
        public Outcome reserve(String customerId, List<Charge> charges, Instant holdUntil, Instant now) {
            throw new UnsupportedOperationException("a rebuild only records");
        }

        @Override
        public String release(Handle reservation, Instant now) {
            throw new UnsupportedOperationException("a rebuild only records");
        }

        @Override
        public void record(String customerId, List<Charge> usage, Instant eventTime, Handle settles, Instant now) {
            run(ScriptOutputType.MULTI, recordArgs("seed", customerId, usage, eventTime, null, now, false));
        }
    };

    /** How unfilled counters are rebuilt, see {@link #refillWith}; {@code rebuild} is null when no store is named. */
    private record Refill(ToIntFunction<CounterStore> rebuild, Duration lease, Duration maxWait) {
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
