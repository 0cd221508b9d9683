package dev.tally.bench;

import com.sun.management.HotSpotDiagnosticMXBean;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The CPU time of one in-process round, Tally's five-limit authorize + settle against Bucket4j's five buckets with
 * refunds (the two {@link AuthorizeBenchmark} methods of the same shape), measured as this thread's CPU time per
 * operation. Why beside the JMH figures: on a machine shared with other work, wall-clock latencies mostly measure
 * descheduling, while the thread's CPU time per operation moves far less, so the ratio of the two stays readable.
 * The two run in alternating blocks on one thread in one JVM; each round gives a ratio, and the median round is
 * reported (plus each side's median and fastest round).
 *
 * <p>Started without {@code -XX:+AlwaysPreTouch}, it runs itself again in a child JVM with the fixed, pre-touched heap
 * of {@link AuthorizeBenchmark#FIXED_HEAP}: a growing heap's first touch of each page is a page fault the thread's CPU
 * time counts, and Tally's round, allocating twice Bucket4j's bytes, paid twice the faults (ratio 1.39-1.40 against
 * 1.14-1.21 pre-touched, alternating, 2026-12-07 13:50).
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
        if (!heapPreTouched()) {
            System.exit(runPreTouched(args));
        }
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

    private static boolean heapPreTouched() {
        return Boolean.parseBoolean(ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                .getVMOption("AlwaysPreTouch").getValue());
    }

    /** Runs this command again in a JVM with {@link AuthorizeBenchmark#FIXED_HEAP}; its exit code. */
    private static int runPreTouched(String[] args) throws Exception {
        System.out.println("running again with " + String.join(" ", AuthorizeBenchmark.FIXED_HEAP));
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(Arrays.asList(AuthorizeBenchmark.FIXED_HEAP));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(AuthorizeCpuTime.class.getName());
        command.addAll(Arrays.asList(args));
        return new ProcessBuilder(command).inheritIO().start().waitFor();
    }
}
