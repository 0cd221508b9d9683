package dev.tally.core.store;

import dev.tally.core.event.EventCursor;
import dev.tally.core.event.EventPage;
import dev.tally.core.event.EventQuery;
import dev.tally.core.event.LedgerEntry;
import dev.tally.core.event.StoredEvent;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.money.Money;
import dev.tally.core.period.Window;
import dev.tally.core.persistence.TallyStore;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static dev.tally.core.store.LedgerFixtures.T0;
import static dev.tally.core.store.LedgerFixtures.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The {@link UsageStore} contract for raw events: the itemized log, its paging, and retention. */
public interface EventLogContract {
    TallyStore store();

    @Test
    default void events_everyField_roundTrips() {
        LedgerEntry entry = event("e1").method("PUT").status(201).latencyMs(42L).user("u-7")
                .costOverride(Money.parse("0.25")).costNanos(250_000_000).reservation("rsv_1")
                .metadata("{\"team\":\"a \\\"b\\\"\"}").unpriced("seconds").usage("seconds", 1_500_000)
                .received(T0.plusMillis(5)).build();
        store().append(List.of(entry));

        StoredEvent stored = onlyEvent(store().events(query("acme").build()));

        assertThat(stored.event()).isEqualTo(entry.event());
        assertThat(stored.cost()).isEqualTo(Money.ofNanos(250_000_000));
        assertThat(stored.unpriced()).isTrue();
        assertThat(stored.receivedAt()).isEqualTo(T0.plusMillis(5));
        assertThat(stored.seq()).isPositive();
    }

    @Test
    default void events_cloudEvent_keepsSourceTypeAndAttributes() {
        LedgerEntry entry = event("req-8812").cloudEvent(new dev.tally.core.event.CloudEventAttributes(
                "//chat.example.com/api", "com.example.api.call",
                "{\"traceparent\":\"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\"}")).build();
        store().append(List.of(entry));

        StoredEvent stored = onlyEvent(store().events(query("acme").build()));

        assertThat(stored.event()).isEqualTo(entry.event());
        assertThat(stored.event().source()).isEqualTo("//chat.example.com/api");
    }

    @Test
    default void events_absentOptionalFields_readBackAsNull() {
        LedgerEntry entry = event("e1").provider(null).model(null).endpoint(null).method(null).status(null)
                .latencyMs(null).noUsage().build();
        store().append(List.of(entry));

        StoredEvent stored = onlyEvent(store().events(query("acme").build()));

        assertThat(stored.event()).isEqualTo(entry.event());
        assertThat(stored.unpriced()).isFalse();
    }

    @Test
    default void events_severalBatches_newestFirstByTimestampThenSeq() {
        store().append(List.of(event("a").at(T0).build()));
        store().append(List.of(event("b").at(T0.plusSeconds(10)).build()));
        store().append(List.of(event("c").at(T0).build()));

        assertThat(ids(store().events(query("acme").build()))).containsExactly("b", "c", "a");
    }

    @Test
    default void events_filters_selectMatchingEventsOnly() {
        store().append(List.of(event("plain").build(), event("other-customer").customer("globex").build(),
                event("anthropic").provider("anthropic").build(), event("mini").model("gpt-4o-mini").build(),
                event("embed").endpoint("/v1/embed").build(), event("failed").status(429).build(),
                event("early").at(T0.minusSeconds(60)).build(), event("late").at(T0.plusSeconds(60)).build()));

        assertThat(ids(store().events(query("globex").build()))).containsExactly("other-customer");
        assertThat(ids(store().events(query("acme").provider("anthropic").build()))).containsExactly("anthropic");
        assertThat(ids(store().events(query("acme").model("gpt-4o-mini").build()))).containsExactly("mini");
        assertThat(ids(store().events(query("acme").endpoint("/v1/embed").build()))).containsExactly("embed");
        assertThat(ids(store().events(query("acme").errorsOnly().build()))).containsExactly("failed");
        assertThat(ids(store().events(query("acme").from(T0.plusSeconds(1)).build()))).containsExactly("late");
        assertThat(ids(store().events(query("acme").to(T0.minusSeconds(1)).build()))).containsExactly("early");
        assertThat(store().events(query("acme").from(T0).to(T0.plusMillis(1)).build()).events()).hasSize(5);
    }

    @Test
    default void events_pagedWithCursor_visitsEveryEventOnceAndEndsWithNullCursor() {
        List<LedgerEntry> entries = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            // Pairs share a timestamp, so the cursor must break ties by seq.
            entries.add(event("e" + i).at(T0.plusSeconds(i / 2)).build());
        }
        store().append(entries);

        List<String> seen = new ArrayList<>();
        EventCursor after = null;
        int pages = 0;
        do {
            EventPage page = store().events(query("acme").limit(3).after(after).build());
            seen.addAll(ids(page));
            after = page.next();
            pages++;
        } while (after != null);

        assertThat(pages).isEqualTo(3);
        assertThat(seen).containsExactly("e6", "e5", "e4", "e3", "e2", "e1", "e0");
    }

    @Test
    default void events_exactlyLimitLeft_hasNoNextCursor() {
        store().append(List.of(event("e1").build(), event("e2").build()));

        EventPage page = store().events(query("acme").limit(2).build());

        assertThat(page.events()).hasSize(2);
        assertThat(page.next()).isNull();
    }

    @Test
    default void events_cursorFromEncodedText_continuesTheSameWay() {
        store().append(List.of(event("e1").build(), event("e2").at(T0.plusSeconds(1)).build()));
        EventPage first = store().events(query("acme").limit(1).build());

        EventCursor decoded = EventCursor.decode(first.next().encode());

        assertThat(ids(store().events(query("acme").limit(1).after(decoded).build()))).containsExactly("e1");
    }

    @Test
    default void events_limitOutOfRange_isRejectedAsTheCallersMistake() {
        assertThatThrownBy(() -> store().events(query("acme").limit(0).build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("limit");
        assertThatThrownBy(() -> store().events(query("acme").limit(1001).build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("limit");
    }

    @Test
    default void deleteEventsReceivedBefore_cutoff_removesOlderRawEventsAndKeepsRollups() {
        store().append(List.of(event("old1").received(T0.minus(Duration.ofDays(2))).build()));
        store().append(List.of(event("old2").received(T0.minus(Duration.ofDays(1))).build()));
        store().append(List.of(event("new").received(T0).build()));

        long deleted = store().deleteEventsReceivedBefore(T0.minus(Duration.ofHours(1)));

        assertThat(deleted).isEqualTo(2);
        assertThat(ids(store().events(query("acme").build()))).containsExactly("new");
        assertThat(store().rollups("acme", Window.MONTH, Instant.EPOCH, T0.plus(Duration.ofDays(60))))
                .singleElement().satisfies(row -> assertThat(row.counts().requests()).isEqualTo(3));
    }

    @Test
    default void deleteEventsReceivedBefore_nothingOlder_removesNothing() {
        store().append(List.of(event("e1").build()));

        assertThat(store().deleteEventsReceivedBefore(T0)).isZero();
        assertThat(store().deleteEventsReceivedBefore(T0.minusSeconds(1))).isZero();
        assertThat(store().countEvents()).isEqualTo(1);
    }

    @Test
    default void deleteEventsReceivedBefore_emptyStore_removesNothing() {
        assertThat(store().deleteEventsReceivedBefore(T0)).isZero();
    }

    @Test
    default void deleteEventsReceivedBefore_everything_removesAllAndAppendsContinue() {
        store().append(List.of(event("e1").build(), event("e2").build()));

        assertThat(store().deleteEventsReceivedBefore(T0.plusSeconds(1))).isEqualTo(2);
        store().append(List.of(event("e3").build()));

        assertThat(ids(store().events(query("acme").build()))).containsExactly("e3");
    }

    private static List<String> ids(EventPage page) {
        return page.events().stream().map(StoredEvent::event).map(UsageEvent::id).toList();
    }

    private static StoredEvent onlyEvent(EventPage page) {
        assertThat(page.events()).hasSize(1);
        assertThat(page.next()).isNull();
        return page.events().get(0);
    }

    private static QueryBuilder query(String customerId) {
        return new QueryBuilder(customerId);
    }

    /** Builds an {@link EventQuery}; page size 100 unless set. */
    final class QueryBuilder {
        private final String customerId;
        private Instant from;
        private Instant to;
        private String provider;
        private String model;
        private String endpoint;
        private boolean errorsOnly;
        private int limit = 100;
        private EventCursor after;

        QueryBuilder(String customerId) {
            this.customerId = customerId;
        }

        QueryBuilder from(Instant value) { from = value; return this; }
        QueryBuilder to(Instant value) { to = value; return this; }
        QueryBuilder provider(String value) { provider = value; return this; }
        QueryBuilder model(String value) { model = value; return this; }
        QueryBuilder endpoint(String value) { endpoint = value; return this; }
        QueryBuilder errorsOnly() { errorsOnly = true; return this; }
        QueryBuilder limit(int value) { limit = value; return this; }
        QueryBuilder after(EventCursor value) { after = value; return this; }

        EventQuery build() {
            return new EventQuery(customerId, from, to, provider, model, endpoint, errorsOnly, limit, after);
        }
    }
}
