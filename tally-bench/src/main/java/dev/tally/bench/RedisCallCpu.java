package dev.tally.bench;

import dev.tally.core.counter.Charge;
import dev.tally.core.counter.CounterSpec;
import dev.tally.core.counter.CounterStore;
import dev.tally.core.limit.Limit;
import dev.tally.core.period.Window;
import dev.tally.redis.RedisCounterStore;

import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * A node's CPU per Redis decision in the client: {@link RedisCounterStore#reserve} as a server makes it (a store
 * opened from the URL, Lettuce's connection, the caller waiting while Netty's event loop writes the call and reads
 * its answer), by kind of thread. {@code --threads} callers (a node's HTTP threads; a list, e.g. {@code 1,4,16},
 * taken in turn each round) each reserve five limits of three kinds (the charges of {@link RedisReserveBenchmark})
 * for one of {@code --customers}, held 5 s and never settled, as {@code AuthorizeHttpLoad} does, at the clock's time.
 *
 * <p>Each round runs {@code --calls} calls per thread at each thread count; after {@code --warmup-rounds} rounds that
 * are not reported (the JIT), it prints this process's CPU per call by kind of thread ({@link ThreadCpu}: the callers
 * under HTTP, Lettuce's event loop, JIT, GC), wall time per call and Redis's CPU per call (all of Redis's clients: on
 * a shared Redis, read it beside the wall time). CPU time, not throughput: the machine is shared, and a round's CPU per
 * call moves far less with its load than its wall time does.
 *
 * <pre>
 * java -cp tally-bench/target/benchmarks.jar dev.tally.bench.RedisCallCpu --threads 1,4 --calls 5000 --rounds 5
 * </pre>
 */
public final class RedisCallCpu {
    private static final String USAGE = "RedisCallCpu [--threads 1,4 (callers at once, in turn)] "
            + "[--calls 5000 (per thread and round)] [--rounds 5] [--warmup-rounds 2] [--customers 100]";

    private RedisCallCpu() {
    }

    public static void main(String[] args) throws Exception {
        Flags flags = Flags.parse(args, USAGE, "threads", "calls", "rounds", "warmup-rounds", "customers");
        List<Integer> threadCounts = new ArrayList<>();
        for (String t : flags.text("threads", "1,4").split(",")) {
            int n = Integer.parseInt(t.trim());
            if (n < 1 || n > 256) {
                throw new IllegalArgumentException("--threads takes counts from 1 to 256; was " + n);
            }
            threadCounts.add(n);
        }
        int calls = flags.integer("calls", 5000, 1, 10_000_000);
        int rounds = flags.integer("rounds", 5, 1, 100);
        int warmupRounds = flags.integer("warmup-rounds", 2, 0, 100);
        int customers = flags.integer("customers", 100, 1, 100_000);
        String prefix = RedisKeys.freshPrefix();
        RedisCounterStore store = RedisCounterStore.connect(RedisKeys.URL, prefix);
        List<Charge> estimate = fiveLimits();
        System.out.printf("RedisCallCpu: %s threads x %d calls per round, %d rounds (%d not reported), "
                        + "%d customers, Redis %s; Java %s, %d CPUs%n", threadCounts, calls, rounds, warmupRounds,
                customers, RedisKeys.URL, Runtime.version(), Runtime.getRuntime().availableProcessors());
        long pid = ProcessHandle.current().pid();
        try {
            for (int round = 1; round <= rounds; round++) {
                for (int threads : threadCounts) {
                    MachineLoad machine = MachineLoad.sample();
                    long redisTicks = MachineLoad.redisTicks();
                    Round run = new Round(store, estimate, threads, calls, customers);
                    ThreadCpu before = ThreadCpu.sample(pid);
                    long start = System.nanoTime();
                    run.callAll();
                    long wall = System.nanoTime() - start;
                    // Sampled while the callers still live: a thread that ended takes its CPU with it.
                    Map<String, Double> seconds = ThreadCpu.sample(pid).secondsSince(before);
                    run.end();
                    long redisUsed = MachineLoad.redisTicks() - redisTicks;
                    if (round <= warmupRounds) {
                        continue;
                    }
                    long n = (long) threads * calls;
                    double total = seconds.values().stream().mapToDouble(Double::doubleValue).sum();
                    System.out.printf("round %d, %d thread(s): CPU %.1f us per call (%s); wall %.1f us per call "
                                    + "per thread; Redis %.1f us per call; %s; load average %s%n", round, threads,
                            total * 1e6 / n, ThreadCpu.perRequest(seconds, n), wall / 1e3 / calls,
                            redisUsed * 1e4 / n, MachineLoad.sample().since(machine), MachineLoad.loadAverage());
                }
            }
        } finally {
            RedisKeys.deleteAll(RedisKeys.URL, prefix);
            store.close();
        }
    }

    /** One turn: its callers, started and waiting; they call when told and live until {@link #end}. */
    private static final class Round {
        private final CountDownLatch go = new CountDownLatch(1);
        private final CountDownLatch done;
        private final CountDownLatch exit = new CountDownLatch(1);
        private final List<Thread> callers = new ArrayList<>();

        Round(CounterStore store, List<Charge> estimate, int threads, int calls, int customers) {
            done = new CountDownLatch(threads);
            for (int t = 0; t < threads; t++) {
                int first = t;
                // Named as a node's HTTP threads, so ThreadCpu counts them as such.
                Thread caller = new Thread(() -> {
                    try {
                        go.await();
                        try {
                            for (int i = 0; i < calls; i++) {
                                Instant now = Instant.now();
                                store.reserve("c" + ((first + (long) i * threads) % customers), estimate,
                                        now.plusSeconds(5), now);
                            }
                        } finally {
                            done.countDown(); // also when a call failed: the round ends, its error printed
                        }
                        exit.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "tally-http-caller-" + t);
                callers.add(caller);
                caller.start();
            }
        }

        /** Lets every caller make its calls and waits until they all have. */
        void callAll() throws InterruptedException {
            go.countDown();
            done.await();
        }

        void end() throws InterruptedException {
            exit.countDown();
            for (Thread caller : callers) {
                caller.join();
            }
        }
    }

    private static List<Charge> fiveLimits() {
        ZoneId berlin = ZoneId.of("Europe/Berlin");
        return List.of(new Charge(spec("requests", Window.MINUTE, berlin, 1_000_000_000L), 1),
                new Charge(spec("requests", Window.MONTH, berlin, 1_000_000_000_000L), 1),
                new Charge(spec("tokens", Window.HOUR, berlin, 1_000_000_000_000L), 1200),
                new Charge(spec("tokens", Window.DAY, berlin, 1_000_000_000_000L), 1200),
                new Charge(spec("cost", Window.MONTH, berlin, 1_000_000_000_000_000L), 6_000_000));
    }

    private static CounterSpec spec(String metric, Window window, ZoneId zone, long limit) {
        return new CounterSpec(new Limit.LimitKey(metric, window, null, null, null), window, zone, 1, limit, true);
    }
}
