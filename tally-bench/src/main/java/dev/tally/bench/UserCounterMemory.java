package dev.tally.bench;

import dev.tally.core.counter.Charge;
import dev.tally.core.counter.CounterSpec;
import dev.tally.core.counter.InMemoryCounterStore;
import dev.tally.core.limit.Limit;
import dev.tally.core.period.Window;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;

/**
 * Issue 13: the heap an active end user's counter of a {@code per: "user"} limit costs in the in-memory counter
 * store, for a {@code day} window (the default), or {@code minute} / {@code hour} (the second argument). Records one call for each of N users (names {@code user_000000} ...), and reads the heap used after
 * full collections before and after: per counter without the user names (the names are made before the first
 * reading and kept, as a server keeps the strings it parsed only for the map), and the names' own share.
 *
 * <pre>
 * ./mvnw -o -q -pl tally-bench -am package -DskipTests
 * java -XX:+UseSerialGC -Xmx1g -cp tally-bench/target/benchmarks.jar dev.tally.bench.UserCounterMemory 100000
 * java -XX:+UseSerialGC -Xmx1g -cp tally-bench/target/benchmarks.jar dev.tally.bench.UserCounterMemory 100000 minute
 * </pre>
 */
public final class UserCounterMemory {
    private UserCounterMemory() {
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        Window window = args.length > 1 ? Window.fromWireName(args[1]) : Window.DAY;
        ZoneId zone = ZoneId.of("Europe/Berlin");
        Limit limit = new Limit(null, "requests", window, java.math.BigDecimal.valueOf(50), null, null, null,
                null, null, null, null, Limit.PER_USER);
        CounterSpec spec = new CounterSpec(limit.key(), window, zone, 1, 50, true);
        InMemoryCounterStore counters = new InMemoryCounterStore();
        Instant now = Instant.now();
        // The customer, its table and the window arithmetic exist before measuring: they are not per user.
        counters.record("clinic", List.of(new Charge(spec, 1, "warm-up")), now, null, now);
        long empty = heapUsed();
        String[] names = new String[n];
        for (int i = 0; i < n; i++) {
            names[i] = String.format("user_%06d", i);
        }
        long withNames = heapUsed();
        for (int i = 0; i < n; i++) {
            counters.record("clinic", List.of(new Charge(spec, 1, names[i])), now, null, now);
        }
        long full = heapUsed();
        double perCounter = (double) (full - withNames) / n;
        double perName = (double) (withNames - empty) / n;
        System.out.printf("window=%s users=%d  counter+map entry=%.1f B  name=%.1f B  total per active user=%.1f B%n",
                window.wireName(), n, perCounter, perName, perCounter + perName);
        // Keeps both alive until after the last reading.
        if (names.length != n || counters.hashCode() == 0) {
            System.out.println();
        }
    }

    private static long heapUsed() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long last = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            long used = memory.getHeapMemoryUsage().getUsed();
            if (used == last) {
                break;
            }
            last = used;
        }
        return last;
    }
}
