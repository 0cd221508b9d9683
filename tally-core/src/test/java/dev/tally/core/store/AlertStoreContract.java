package dev.tally.core.store;

import dev.tally.core.alert.Alert;
import dev.tally.core.alert.AlertKind;
import dev.tally.core.alert.AlertPage;
import dev.tally.core.alert.AlertQuery;
import dev.tally.core.alert.AlertState;
import dev.tally.core.persistence.TallyStore;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.tally.core.store.LedgerFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

/** The {@link dev.tally.core.alert.AlertStore} contract: de-duplication, lifecycle, filters and pagination. */
public interface AlertStoreContract {
    TallyStore store();

    static Alert alert(String id, String customer, AlertKind kind, Integer threshold, Instant at) {
        return new Alert(id, customer, kind, "tokens-month", threshold, new BigDecimal("50.0"),
                "acme used 50.0% of its monthly tokens limit", "2026-11", AlertState.ACTIVE, at, at,
                null, null, null, null);
    }

    @Test
    default void insertIfNoneOpen_thenAlert_roundTripsEveryField() {
        Alert a = alert("alr_1", "acme", AlertKind.THRESHOLD, 50, T0);

        assertThat(store().insertIfNoneOpen(a)).isTrue();

        assertThat(store().alert("alr_1")).contains(a);
    }

    @Test
    default void insertIfNoneOpen_globalAlertWithoutCustomerOrThreshold_roundTrips() {
        Alert a = new Alert("alr_g", null, AlertKind.COST, null, null, null, "all customers spent $5000.00",
                "2026-11", AlertState.ACTIVE, T0, T0, null, null, null, null);

        assertThat(store().insertIfNoneOpen(a)).isTrue();

        assertThat(store().alert("alr_g")).contains(a);
    }

    @Test
    default void insertIfNoneOpen_sameKeyWhileOpen_storesNothing() {
        store().insertIfNoneOpen(alert("alr_1", "acme", AlertKind.THRESHOLD, 50, T0));
        store().acknowledge("alr_1", "admin", T0.plusSeconds(1));

        assertThat(store().insertIfNoneOpen(alert("alr_2", "acme", AlertKind.THRESHOLD, 50, T0.plusSeconds(2))))
                .isFalse();

        assertThat(store().alert("alr_2")).isEmpty();
    }

    @Test
    default void insertIfNoneOpen_sameKeyAfterResolve_firesAgain() {
        store().insertIfNoneOpen(alert("alr_1", "acme", AlertKind.THRESHOLD, 50, T0));
        store().resolve("alr_1", "system", T0.plusSeconds(1));

        assertThat(store().insertIfNoneOpen(alert("alr_2", "acme", AlertKind.THRESHOLD, 50, T0.plusSeconds(2))))
                .isTrue();

        assertThat(store().openAlerts()).extracting(Alert::id).containsExactly("alr_2");
    }

    @Test
    default void insertIfNoneOpen_otherThreshold_isAnotherKey() {
        store().insertIfNoneOpen(alert("alr_1", "acme", AlertKind.THRESHOLD, 50, T0));

        assertThat(store().insertIfNoneOpen(alert("alr_2", "acme", AlertKind.THRESHOLD, 80, T0))).isTrue();
    }

    @Test
    default void insertIfNoneOpen_concurrentSameKey_exactlyOneStored() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Boolean>> inserts = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                String id = "alr_c" + i;
                inserts.add(() -> store().insertIfNoneOpen(alert(id, "acme", AlertKind.EXCEEDED, null, T0)));
            }
            int stored = 0;
            for (Future<Boolean> f : pool.invokeAll(inserts)) {
                stored += f.get() ? 1 : 0;
            }
            assertThat(stored).isEqualTo(1);
            assertThat(store().openAlerts()).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    default void acknowledge_active_recordsWhoAndWhen() {
        store().insertIfNoneOpen(alert("alr_1", "acme", AlertKind.THRESHOLD, 50, T0));

        assertThat(store().acknowledge("alr_1", "admin", T0.plusSeconds(5))).isTrue();

        Alert a = store().alert("alr_1").orElseThrow();
        assertThat(a.state()).isEqualTo(AlertState.ACKNOWLEDGED);
        assertThat(a.acknowledgedBy()).isEqualTo("admin");
        assertThat(a.acknowledgedAt()).isEqualTo(T0.plusSeconds(5));
        assertThat(a.updatedAt()).isEqualTo(T0.plusSeconds(5));
    }

    @Test
    default void acknowledge_twice_keepsTheFirst() {
        store().insertIfNoneOpen(alert("alr_1", "acme", AlertKind.THRESHOLD, 50, T0));
        store().acknowledge("alr_1", "admin", T0.plusSeconds(5));

        assertThat(store().acknowledge("alr_1", "acme", T0.plusSeconds(9))).isFalse();

        assertThat(store().alert("alr_1").orElseThrow().acknowledgedBy()).isEqualTo("admin");
    }

    @Test
    default void resolve_acknowledged_recordsWhoAndWhenAndKeepsTheAcknowledgement() {
        store().insertIfNoneOpen(alert("alr_1", "acme", AlertKind.THRESHOLD, 50, T0));
        store().acknowledge("alr_1", "admin", T0.plusSeconds(5));

        assertThat(store().resolve("alr_1", "system", T0.plusSeconds(7))).isTrue();
        assertThat(store().resolve("alr_1", "admin", T0.plusSeconds(8))).isFalse();

        Alert a = store().alert("alr_1").orElseThrow();
        assertThat(a.state()).isEqualTo(AlertState.RESOLVED);
        assertThat(a.resolvedBy()).isEqualTo("system");
        assertThat(a.resolvedAt()).isEqualTo(T0.plusSeconds(7));
        assertThat(a.acknowledgedBy()).isEqualTo("admin");
        assertThat(store().acknowledge("alr_1", "admin", T0.plusSeconds(9))).isFalse();
    }

    @Test
    default void transitions_missingAlert_false() {
        assertThat(store().acknowledge("alr_none", "admin", T0)).isFalse();
        assertThat(store().resolve("alr_none", "admin", T0)).isFalse();
        assertThat(store().alert("alr_none")).isEmpty();
    }

    @Test
    default void alerts_filtersByStateCustomerAndKind_newestFirst() {
        store().insertIfNoneOpen(alert("alr_1", "acme", AlertKind.THRESHOLD, 50, T0));
        store().insertIfNoneOpen(alert("alr_2", "acme", AlertKind.THRESHOLD, 80, T0.plusSeconds(1)));
        store().insertIfNoneOpen(alert("alr_3", "globex", AlertKind.THRESHOLD, 50, T0.plusSeconds(2)));
        store().insertIfNoneOpen(alert("alr_4", "acme", AlertKind.UNPRICED, null, T0.plusSeconds(3)));
        store().resolve("alr_1", "admin", T0.plusSeconds(4));

        assertThat(ids(new AlertQuery(null, null, null, 100, null)))
                .containsExactly("alr_4", "alr_3", "alr_2", "alr_1");
        assertThat(ids(new AlertQuery(AlertState.ACTIVE, "acme", null, 100, null)))
                .containsExactly("alr_4", "alr_2");
        assertThat(ids(new AlertQuery(null, "acme", AlertKind.THRESHOLD, 100, null)))
                .containsExactly("alr_2", "alr_1");
        assertThat(ids(new AlertQuery(AlertState.RESOLVED, null, null, 100, null))).containsExactly("alr_1");
    }

    @Test
    default void alerts_pages_walkEveryAlertOnceInOrder() {
        for (int i = 0; i < 7; i++) {
            // Two alerts share each creation time, so the id breaks ties.
            store().insertIfNoneOpen(alert("alr_" + i, "acme", AlertKind.THRESHOLD, i, T0.plusSeconds(i / 2)));
        }
        List<String> seen = new ArrayList<>();
        AlertPage page = store().alerts(new AlertQuery(null, null, null, 3, null));
        int pages = 1;
        page.alerts().forEach(a -> seen.add(a.id()));
        while (page.next() != null) {
            page = store().alerts(new AlertQuery(null, null, null, 3, page.next()));
            page.alerts().forEach(a -> seen.add(a.id()));
            pages++;
        }
        assertThat(pages).isEqualTo(3);
        assertThat(seen).containsExactly("alr_6", "alr_5", "alr_4", "alr_3", "alr_2", "alr_1", "alr_0");
    }

    private List<String> ids(AlertQuery q) {
        return store().alerts(q).alerts().stream().map(Alert::id).toList();
    }
}
