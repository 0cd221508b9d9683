package dev.tally.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.core.catalog.Catalog;
import dev.tally.core.period.Window;
import dev.tally.core.rollup.RollupRow;
import dev.tally.core.persistence.TallyStore;
import dev.tally.core.usage.UsageReport;
import dev.tally.core.usage.UsageReporter;
import dev.tally.server.TallyServer;
import dev.tally.server.json.Json;
import dev.tally.server.json.UsageJson;
import dev.tally.store.Stores;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.time.Instant;
import java.time.InstantSource;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The month report of {@code GET /v1/customers/{id}/usage} without HTTP, split into its parts, on a SQLite store
 * holding {@code events} events of the current month for the customer (filled by {@link MonthFill}, as in
 * {@link UsageLatency}; the clock stands at the month's last minute, so the month is complete):
 * <ul>
 *   <li>{@code readDayRollups}: the store's read of the month's day rollups, the report's main query (SQLite and
 *       the fold of the rows into {@link RollupRow}s);</li>
 *   <li>{@code report}: {@link UsageReporter#report}, the reads (day rollups, limit windows, latency histogram)
 *       and the assembly of totals, breakdowns, days and top endpoints;</li>
 *   <li>{@code reportJson}: the report written as the route writes it, {@link UsageJson}, to bytes.</li>
 * </ul>
 * The number of day rollup rows, not of events, sets the work: at most one per day and provider/model/endpoint
 * (here 30 x 100), reached already at {@code events = 100000}.
 *
 * <pre>
 * ./mvnw -o -q -pl tally-bench -am package -DskipTests
 * java -jar tally-bench/target/benchmarks.jar UsageReportBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class UsageReportBenchmark {
    @Param({"100000"})
    public long events;

    private FreshStore fresh;
    private TallyStore store;
    private UsageReporter reporter;
    private UsageJson usageJson;
    private ObjectMapper json;
    private Instant from;
    private Instant to;
    private UsageReport report;

    @Setup
    public void setUp() throws InterruptedException {
        YearMonth month = YearMonth.now(ZoneOffset.UTC);
        from = month.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        to = month.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        InstantSource clock = InstantSource.fixed(to.minusSeconds(60));
        fresh = FreshStore.create("sqlite", "report");
        try (TallyServer server = BenchServer.start(fresh, clock)) {
            new AdminApi(server.port()).createCatalog(1 + MonthFill.OTHER_CUSTOMERS);
        }
        store = Stores.open(fresh.url());
        MonthFill.fill(store, events, from, clock.instant(), 20_000, 2, false);
        reporter = new UsageReporter(store, new Catalog(store), clock);
        json = Json.mapper();
        usageJson = new UsageJson(json);
        report = reporter.report(MonthFill.CUSTOMER, null);
    }

    @TearDown
    public void tearDown() {
        store.close();
        fresh.close();
    }

    @Benchmark
    public List<RollupRow> readDayRollups() {
        return store.rollups(MonthFill.CUSTOMER, Window.DAY, from, to);
    }

    @Benchmark
    public UsageReport report() {
        return reporter.report(MonthFill.CUSTOMER, null);
    }

    @Benchmark
    public byte[] reportJson() throws Exception {
        return json.writeValueAsBytes(usageJson.report(report));
    }
}
