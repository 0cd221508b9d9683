package dev.tally.store;

import dev.tally.core.alert.Alert;
import dev.tally.core.alert.AlertEngine;
import dev.tally.core.alert.AlertKind;
import dev.tally.core.alert.AlertQuery;
import dev.tally.core.alert.AlertSettings;
import dev.tally.core.catalog.Catalog;
import dev.tally.core.customer.Customer;
import dev.tally.core.enforce.Enforcer;
import dev.tally.core.limit.FailurePolicy;
import dev.tally.core.counter.InMemoryCounterStore;
import dev.tally.core.reservation.ReservationIds;
import dev.tally.core.event.LedgerEntry;
import dev.tally.core.limit.Limit;
import dev.tally.core.limit.LimitMode;
import dev.tally.core.money.Money;
import dev.tally.core.period.Window;
import dev.tally.core.persistence.TallyStore;
import dev.tally.core.testing.MutableClock;
import dev.tally.core.usage.UsageReporter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.tally.core.store.LedgerFixtures.T0;
import static dev.tally.core.store.LedgerFixtures.event;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The alert engine over a real SQLite store: the listener hears of each stored alert exactly once, a restarted
 * engine does not repeat open alerts, and cost alerts count what was recorded before the restart.
 */
class AlertEngineSqliteTest {
    private static final AlertSettings COST_ONE_DOLLAR = new AlertSettings(
            new AlertSettings.CostRule(Money.parse("1.00"), Map.of(), null), AlertSettings.SpikeRule.DEFAULT,
            AlertSettings.ForecastRule.DEFAULT);

    @TempDir
    Path dir;
    private TallyStore store;
    private Catalog catalog;
    private final MutableClock clock = new MutableClock(T0);
    private final List<Alert> heard = new CopyOnWriteArrayList<>();
    private final List<RuntimeException> failures = new CopyOnWriteArrayList<>();
    private AlertEngine engine;
    private Enforcer enforcer;
    private int seq;

    @BeforeEach
    void open() {
        store = Stores.sqliteFile(dir, clock);
        catalog = new Catalog(store);
        catalog.putCustomer(new Customer("acme", "Acme", null, ZoneOffset.UTC, 1, List.of(
                new Limit(null, "requests", Window.MONTH, new BigDecimal("4"), LimitMode.HARD, null, null, null,
                        null)), T0));
    }

    @AfterEach
    void close() {
        if (engine != null) {
            engine.close();
        }
        store.close();
        assertThat(failures).isEmpty();
    }

    /** A fresh engine and enforcer, as a (re)started server has them; counters rebuilt from nothing. */
    private void startEngine(AlertSettings settings) {
        if (engine != null) {
            engine.close();
        }
        engine = new AlertEngine(store, store, catalog, new UsageReporter(store, catalog, clock), clock, settings,
                heard::add, failures::add);
        enforcer = new Enforcer(catalog, new InMemoryCounterStore(), new ReservationIds(ReservationIds.newSecret()),
                clock, FailurePolicy.FAIL_OPEN, failures::add, engine);
    }

    /** Stores an event and counts it, as ingestion does; then waits for the engine. */
    private void record(long costNanos) {
        LedgerEntry entry = event("e" + (++seq)).at(clock.instant()).costNanos(costNanos).build();
        assertThat(store.append(List.of(entry))).containsExactly(true);
        enforcer.record(entry);
        engine.drain(Duration.ofSeconds(10));
    }

    private List<Alert> stored(AlertKind kind) {
        return store.alerts(new AlertQuery(null, "acme", kind, 100, null)).alerts();
    }

    @Test
    void listener_hearsOfEachStoredAlertOnce_afterItIsStored() {
        startEngine(AlertSettings.DEFAULTS);

        for (int i = 0; i < 6; i++) {
            record(1_000);
        }

        List<Alert> thresholds = stored(AlertKind.THRESHOLD);
        assertThat(thresholds).extracting(Alert::threshold).containsExactlyInAnyOrder(50, 80, 100);
        assertThat(heard).filteredOn(a -> a.kind() == AlertKind.THRESHOLD)
                .extracting(Alert::threshold).containsExactly(50, 80, 100);
        assertThat(heard).extracting(Alert::id)
                .containsExactlyInAnyOrderElementsOf(store.openAlerts().stream().map(Alert::id).toList());
    }

    @Test
    void restart_openAlertsStayUnrepeated_andTheListenerIsNotToldAgain() {
        startEngine(AlertSettings.DEFAULTS);
        record(1_000);
        record(1_000);
        assertThat(heard).hasSize(1);

        startEngine(AlertSettings.DEFAULTS);
        clock.advance(Duration.ofMinutes(1));
        // The new enforcer's counters start empty (no rebuild here): two more events reach 50% again.
        record(1_000);
        record(1_000);

        assertThat(stored(AlertKind.THRESHOLD)).hasSize(1);
        assertThat(heard).hasSize(1);
    }

    @Test
    void cost_recordedBeforeTheStart_countsTowardTheAmount() {
        startEngine(COST_ONE_DOLLAR);
        record(600_000_000);
        assertThat(stored(AlertKind.COST)).isEmpty();

        startEngine(COST_ONE_DOLLAR);
        record(500_000_000);

        List<Alert> cost = stored(AlertKind.COST);
        assertThat(cost).hasSize(1);
        assertThat(cost.get(0).message()).contains("$1.10", "$1.00");
        assertThat(cost.get(0).period()).isEqualTo("2026-11");
    }
}
