package dev.tally.bench;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Heap bytes allocated by this JVM's Java threads, sampled per thread and grouped by name like {@link ThreadCpu}:
 * the allocation behind the GC's CPU, per kind of thread. Unlike CPU time, bytes allocated per event do not move
 * with the machine's load, so two builds compare on a busy machine.
 *
 * <p>A thread that ended between the samples loses what it allocated after the first one; one that started counts
 * all of its bytes. Where the JVM cannot count (not HotSpot), the sample is empty.
 */
final class ThreadAllocation {
    private final Map<Long, Long> bytesByThread;
    private final Map<Long, String> nameByThread;

    private ThreadAllocation(Map<Long, Long> bytesByThread, Map<Long, String> nameByThread) {
        this.bytesByThread = bytesByThread;
        this.nameByThread = nameByThread;
    }

    /** Every live Java thread's allocated bytes now. */
    static ThreadAllocation sample() {
        Map<Long, Long> bytes = new HashMap<>();
        Map<Long, String> names = new HashMap<>();
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean threads) {
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                long allocated = threads.getThreadAllocatedBytes(t.getId());
                if (allocated >= 0) {
                    bytes.put(t.getId(), allocated);
                    names.put(t.getId(), t.getName());
                }
            }
        }
        return new ThreadAllocation(bytes, names);
    }

    /**
     * {@code load generator 812, HTTP 1,204, ... bytes} per event: each group of {@code groups} (name prefixes, as
     * {@link ThreadCpu#INGEST_GROUPS}; the JIT and GC groups have no Java threads) allocated since {@code before},
     * divided by {@code events}.
     */
    String perEventSince(ThreadAllocation before, String[][] groups, long events) {
        Map<String, Long> byGroup = new LinkedHashMap<>();
        for (String[] group : groups) {
            byGroup.put(group[0], 0L);
        }
        byGroup.put("other", 0L);
        bytesByThread.forEach((tid, now) -> byGroup.merge(groupOf(groups, nameByThread.get(tid)),
                now - before.bytesByThread.getOrDefault(tid, 0L), Long::sum));
        long total = 0;
        StringJoiner out = new StringJoiner(", ");
        for (Map.Entry<String, Long> e : byGroup.entrySet()) {
            total += e.getValue();
            if (e.getValue() != 0) {
                out.add(String.format("%s %,d", e.getKey(), events == 0 ? 0 : e.getValue() / events));
            }
        }
        return out + String.format("; total %,d bytes", events == 0 ? 0 : total / events);
    }

    private static String groupOf(String[][] groups, String threadName) {
        for (String[] group : groups) {
            for (int i = 1; i < group.length; i++) {
                if (threadName.startsWith(group[i])) {
                    return group[0];
                }
            }
        }
        return "other";
    }
}
