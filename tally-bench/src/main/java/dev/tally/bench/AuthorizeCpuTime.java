package dev.tally.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

/**
 * The CPU time of one in-process round, Tally's five-limit authorize + settle against Bucket4j's five buckets with
 * refunds (the two {@link AuthorizeBenchmark} methods of the same shape), measured as this thread's CPU time per
 * operation. Why beside the JMH figures: on a machine shared with other work, wall-clock latencies mostly measure
 * descheduling, while the thread's CPU time per operation moves far less, so the ratio of the two stays readable.
 * The two run in alternating blocks on one thread in one JVM; each round gives a ratio, and the median round is
 * reported (plus each side's median and fastest round).
 *
 * <pre>
 * ./mvnw -o -q -pl tally-bench -am package -DskipTests
 * java -cp tally-bench/target/benchmarks.jar dev.tally.bench.AuthorizeCpuTime --customers 1 --rounds 9
 * </pre>
 */
public final class AuthorizeCpuTime {
    private static final String USAGE = "AuthorizeCpuTime [--customers 1] [--rounds 9] [--ops 500000]"
            + " [--warmup 3000000]";
    /** Keeps the results alive so the JIT cannot drop the work. */
    private static volatile Object sink;

    private AuthorizeCpuTime() {
    }

    public static void main(String[] args) throws Exception {
        Flags flags = Flags.parse(args, USAGE, "customers", "rounds", "ops", "warmup");
        AuthorizeBenchmark bench = new AuthorizeBenchmark();
        bench.customers = (int) flags.number("customers", 1, 1, 1_000_000);
        int rounds = (int) flags.number("rounds", 9, 1, 1_000);
        int ops = (int) flags.number("ops", 500_000, 1, 100_000_000);
        long warmup = flags.number("warmup", 3_000_000, 0, 1_000_000_000);
        bench.setUp();
        try {
            for (long i = 0; i < warmup; i++) {
                sink = bench.authorizeAndSettle();
                sink = bench.bucket4jFiveBucketsAndSettle();
            }
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            double[] tally = new double[rounds];
            double[] bucket4j = new double[rounds];
            double[] ratio = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                long t0 = threads.getCurrentThreadCpuTime();
                for (int i = 0; i < ops; i++) {
                    sink = bench.authorizeAndSettle();
                }
                long t1 = threads.getCurrentThreadCpuTime();
                for (int i = 0; i < ops; i++) {
                    sink = bench.bucket4jFiveBucketsAndSettle();
                }
                long t2 = threads.getCurrentThreadCpuTime();
                tally[r] = (t1 - t0) / (double) ops;
                bucket4j[r] = (t2 - t1) / (double) ops;
                ratio[r] = tally[r] / bucket4j[r];
            }
            Arrays.sort(tally);
            Arrays.sort(bucket4j);
            Arrays.sort(ratio);
            System.out.printf("customers %d, %d rounds of %d: CPU ns per round, median (fastest):"
                            + " Tally authorize + settle %.0f (%.0f), Bucket4j five buckets + settle %.0f (%.0f);"
                            + " ratio, median round %.2f%n", bench.customers, rounds, ops, tally[rounds / 2],
                    tally[0], bucket4j[rounds / 2], bucket4j[0], ratio[rounds / 2]);
        } finally {
            bench.tearDown();
        }
    }
}
