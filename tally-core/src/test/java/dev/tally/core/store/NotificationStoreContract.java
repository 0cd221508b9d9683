package dev.tally.core.store;

import dev.tally.core.notify.Channel;
import dev.tally.core.notify.ChannelType;
import dev.tally.core.notify.DeliveryAttempt;
import dev.tally.core.notify.DeliveryQuery;
import dev.tally.core.notify.DeliveryState;
import dev.tally.core.notify.Notification;
import dev.tally.core.persistence.TallyStore;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static dev.tally.core.store.LedgerFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

/** The {@link dev.tally.core.notify.NotificationStore} contract: channels, the outbox, claims and the log. */
public interface NotificationStoreContract {
    Channel HOOK = new Channel("ops-hook", ChannelType.WEBHOOK, "https://hooks.example.com/tally",
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", List.of("alert.threshold", "alert.exceeded"), List.of(),
            false);
    Channel MAIL = new Channel("ops-mail", ChannelType.EMAIL, null, null, List.of(),
            List.of("ops@example.com", "billing@example.com"), true);

    TallyStore store();

    /** Closes the store and opens another over the same storage, as a restart would. */
    TallyStore reopen() throws Exception;

    private static Notification row(String id, Instant at) {
        return Notification.pending(id, "ops-hook", "https://hooks.example.com/tally", "alert.threshold",
                "{\"type\":\"alert.threshold\",\"data\":{\"percent\":85.0}}", at);
    }

    @Test
    default void putChannel_thenChannel_roundTripsEveryField() {
        store().putChannel(HOOK);
        store().putChannel(MAIL);

        assertThat(store().channel("ops-hook")).contains(HOOK);
        assertThat(store().channel("ops-mail")).contains(MAIL);
        assertThat(store().channels()).containsExactly(HOOK, MAIL);
    }

    @Test
    default void putChannel_existing_replacesIt_andDeleteRemovesIt() {
        store().putChannel(HOOK);
        Channel changed = HOOK.withSecret("whsec_b3RoZXItc2VjcmV0LW9mLTI0LWJ5dGVzISE=");

        store().putChannel(changed);

        assertThat(store().channel("ops-hook")).contains(changed);
        assertThat(store().deleteChannel("ops-hook")).isTrue();
        assertThat(store().deleteChannel("ops-hook")).isFalse();
        assertThat(store().channel("ops-hook")).isEmpty();
    }

    @Test
    default void enqueue_sameIdTwice_storesOnce() {
        assertThat(store().enqueue(List.of(row("msg_1", T0)))).isEqualTo(1);

        assertThat(store().enqueue(List.of(row("msg_1", T0.plusSeconds(5)), row("msg_2", T0)))).isEqualTo(1);

        assertThat(store().notification("msg_1")).contains(row("msg_1", T0));
        assertThat(store().notifications(new DeliveryQuery(null, null, null, null, 10))).hasSize(2);
    }

    @Test
    default void claimDue_takesDueRowsOnce_untilTheLeaseEnds() {
        store().enqueue(List.of(row("msg_1", T0), row("msg_2", T0.plusSeconds(1)), row("msg_3", T0.plusSeconds(60))));
        Instant now = T0.plusSeconds(10);

        List<Notification> first = store().claimDue(now, now.plusSeconds(300), 10);
        List<Notification> second = store().claimDue(now.plusSeconds(299), now.plusSeconds(600), 10);
        List<Notification> afterLease = store().claimDue(now.plusSeconds(300), now.plusSeconds(900), 10);

        assertThat(first).extracting(Notification::id).containsExactly("msg_1", "msg_2");
        assertThat(first).allMatch(n -> n.nextAttemptAt().equals(now.plusSeconds(300)));
        assertThat(second).extracting(Notification::id).containsExactly("msg_3");
        assertThat(afterLease).extracting(Notification::id).containsExactly("msg_1", "msg_2");
    }

    @Test
    default void claimDue_max_takesTheOldestDueFirst() {
        store().enqueue(List.of(row("msg_b", T0.plusSeconds(2)), row("msg_a", T0.plusSeconds(1)),
                row("msg_c", T0.plusSeconds(3))));

        assertThat(store().claimDue(T0.plusSeconds(10), T0.plusSeconds(100), 2)).extracting(Notification::id)
                .containsExactly("msg_a", "msg_b");
    }

    @Test
    default void claimDue_concurrentClaimers_neverTakeTheSameRow() throws Exception {
        List<Notification> rows = new java.util.ArrayList<>();
        for (int i = 0; i < 200; i++) {
            rows.add(row("msg_" + String.format("%03d", i), T0));
        }
        store().enqueue(rows);
        Set<String> seen = ConcurrentHashMap.newKeySet();
        List<String> duplicates = new java.util.concurrent.CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<?>> futures = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    List<Notification> claimed;
                    do {
                        claimed = store().claimDue(T0, T0.plusSeconds(300), 7);
                        claimed.forEach(n -> {
                            if (!seen.add(n.id())) {
                                duplicates.add(n.id());
                            }
                        });
                    } while (!claimed.isEmpty());
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(duplicates).isEmpty();
        assertThat(seen).hasSize(200);
    }

    @Test
    default void recordAttempt_failedThenDelivered_logsBothAndMovesTheRow() {
        store().enqueue(List.of(row("msg_1", T0)));
        Notification claimed = store().claimDue(T0, T0.plusSeconds(300), 10).get(0);
        Notification failed = claimed.failed("HTTP 500", T0, T0.plusSeconds(10));

        store().recordAttempt(new DeliveryAttempt("msg_1", 1, T0, false, 500, "HTTP 500", 12), failed);

        assertThat(store().notification("msg_1")).contains(failed);
        assertThat(store().claimDue(T0.plusSeconds(9), T0.plusSeconds(300), 10)).isEmpty();
        Notification again = store().claimDue(T0.plusSeconds(10), T0.plusSeconds(300), 10).get(0);
        assertThat(again.attempts()).isEqualTo(1);
        assertThat(again.state()).isEqualTo(DeliveryState.FAILED);

        store().recordAttempt(new DeliveryAttempt("msg_1", 2, T0.plusSeconds(10), true, 204, null, 3),
                again.delivered(T0.plusSeconds(10)));

        Notification done = store().notification("msg_1").orElseThrow();
        assertThat(done.state()).isEqualTo(DeliveryState.DELIVERED);
        assertThat(done.attempts()).isEqualTo(2);
        assertThat(done.deliveredAt()).isEqualTo(T0.plusSeconds(10));
        assertThat(done.lastError()).isNull();
        assertThat(store().attempts("msg_1")).containsExactly(
                new DeliveryAttempt("msg_1", 1, T0, false, 500, "HTTP 500", 12),
                new DeliveryAttempt("msg_1", 2, T0.plusSeconds(10), true, 204, null, 3));
        assertThat(store().claimDue(T0.plusSeconds(99_999), T0.plusSeconds(100_000), 10)).isEmpty();
    }

    @Test
    default void notifications_filtersByChannelAndState_newestFirst_andPages() {
        store().enqueue(List.of(row("msg_1", T0), row("msg_2", T0.plusSeconds(1)), row("msg_3", T0.plusSeconds(2))));
        store().enqueue(List.of(Notification.pending("msg_m", "ops-mail", "ops@example.com", "alert.exceeded", "{}",
                T0.plusSeconds(3))));
        Notification claimed = store().claimDue(T0, T0.plusSeconds(1), 1).get(0);
        store().recordAttempt(new DeliveryAttempt(claimed.id(), 1, T0, true, 200, null, 1), claimed.delivered(T0));

        assertThat(store().notifications(new DeliveryQuery("ops-hook", null, null, null, 10)))
                .extracting(Notification::id).containsExactly("msg_3", "msg_2", "msg_1");
        assertThat(store().notifications(new DeliveryQuery(null, DeliveryState.DELIVERED, null, null, 10)))
                .extracting(Notification::id).containsExactly("msg_1");
        assertThat(store().notifications(new DeliveryQuery(null, DeliveryState.PENDING, null, null, 10)))
                .extracting(Notification::id).containsExactly("msg_m", "msg_3", "msg_2");
        List<Notification> page1 = store().notifications(new DeliveryQuery(null, null, null, null, 2));
        Notification last = page1.get(1);
        assertThat(page1).extracting(Notification::id).containsExactly("msg_m", "msg_3");
        assertThat(store().notifications(new DeliveryQuery(null, null, last.createdAt(), last.id(), 2)))
                .extracting(Notification::id).containsExactly("msg_2", "msg_1");
    }

    @Test
    default void deleteFinishedBefore_removesOldDeliveredAndDeadRowsWithTheirLogs_only() {
        store().enqueue(List.of(row("msg_done", T0), row("msg_dead", T0), row("msg_open", T0),
                row("msg_new", T0.plusSeconds(100))));
        for (Notification n : store().claimDue(T0.plusSeconds(100), T0.plusSeconds(200), 10)) {
            Notification next = switch (n.id()) {
                case "msg_done", "msg_new" -> n.delivered(T0);
                case "msg_dead" -> n.failed("gone", T0, null);
                default -> n.failed("HTTP 500", T0, T0.plusSeconds(10));
            };
            store().recordAttempt(new DeliveryAttempt(n.id(), 1, T0, next.state() == DeliveryState.DELIVERED, null,
                    null, 1), next);
        }

        assertThat(store().deleteFinishedBefore(T0.plusSeconds(50))).isEqualTo(2);

        assertThat(store().notifications(new DeliveryQuery(null, null, null, null, 10)))
                .extracting(Notification::id).containsExactlyInAnyOrder("msg_open", "msg_new");
        assertThat(store().attempts("msg_done")).isEmpty();
        assertThat(store().attempts("msg_open")).hasSize(1);
    }

    @Test
    default void outbox_afterReopen_keepsPendingRowsDue() throws Exception {
        store().putChannel(HOOK);
        store().enqueue(List.of(row("msg_1", T0)));

        TallyStore reopened = reopen();

        assertThat(reopened.channel("ops-hook")).contains(HOOK);
        assertThat(reopened.claimDue(T0, T0.plusSeconds(300), 10)).extracting(Notification::id)
                .containsExactly("msg_1");
    }
}
