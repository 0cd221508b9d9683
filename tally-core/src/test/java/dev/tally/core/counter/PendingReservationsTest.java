package dev.tally.core.counter;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class PendingReservationsTest {
    /** An open reservation as a plain model remembers it. */
    private record Open(int slot, long tag, long expiresMs, long amount) {
    }

    @Test
    void randomAddsAndRemoves_alwaysAnswerTheEarliestExpiry_andFindOnlyOpenTags() {
        Random random = new Random(3);
        PendingReservations pending = new PendingReservations(1);
        Map<Integer, Open> model = new HashMap<>();
        List<Open> closed = new ArrayList<>();
        for (int step = 0; step < 200_000; step++) {
            int op = random.nextInt(10);
            if (op < 5 || model.isEmpty()) {
                long tag = random.nextLong();
                long expires = random.nextInt(1000);
                int slot = pending.add(tag, 0, expires);
                pending.hold(slot, 0, step);
                assertThat(model).doesNotContainKey(slot);
                model.put(slot, new Open(slot, tag, expires, step));
            } else if (op < 8) {
                // Remove an arbitrary one (a release or a settlement).
                Open victim = model.values().stream().skip(random.nextInt(model.size())).findFirst().orElseThrow();
                assertThat(pending.find(victim.slot, victim.tag)).isEqualTo(victim.slot);
                assertThat(pending.amount(victim.slot, 0)).isEqualTo(victim.amount);
                pending.remove(victim.slot);
                model.remove(victim.slot);
                closed.add(victim);
            } else {
                // Expire the earliest one.
                Open earliest = model.values().stream().min(Comparator.comparingLong(Open::expiresMs)).orElseThrow();
                assertThat(pending.firstExpiryMs()).isEqualTo(earliest.expiresMs);
                int first = pending.first();
                pending.remove(first);
                closed.add(model.remove(first));
            }
            assertThat(pending.size()).isEqualTo(model.size());
            if (!closed.isEmpty()) {
                Open old = closed.get(random.nextInt(closed.size()));
                Open reused = model.get(old.slot);
                // A closed reservation is never found again, even when its slot holds a newer one.
                assertThat(pending.find(old.slot, old.tag)).isEqualTo(reused != null && reused.tag == old.tag
                        ? old.slot : -1);
            }
        }
        long min = model.values().stream().mapToLong(Open::expiresMs).min().orElse(Long.MAX_VALUE);
        assertThat(pending.firstExpiryMs()).isEqualTo(min);
    }

    @Test
    void ensureWidth_keepsTheAmountsOfOpenSlots() {
        PendingReservations pending = new PendingReservations(2);
        int a = pending.add(1, 10, 100);
        pending.hold(a, 0, 5);
        pending.hold(a, 1, 7);
        int b = pending.add(2, 20, 50);
        pending.hold(b, 1, 9);

        pending.ensureWidth(3);
        pending.hold(a, 2, 11);

        assertThat(pending.width()).isGreaterThanOrEqualTo(3);
        assertThat(pending.amount(a, 0)).isEqualTo(5);
        assertThat(pending.amount(a, 1)).isEqualTo(7);
        assertThat(pending.amount(a, 2)).isEqualTo(11);
        assertThat(pending.amount(b, 0)).isZero();
        assertThat(pending.amount(b, 1)).isEqualTo(9);
        assertThat(pending.amount(b, 2)).isZero();
        assertThat(pending.atMs(b)).isEqualTo(20);
        assertThat(pending.first()).isEqualTo(b);
    }

    @Test
    void add_reusedSlot_startsWithNothingHeld() {
        PendingReservations pending = new PendingReservations(1);
        int a = pending.add(1, 0, 100);
        pending.hold(a, 0, 5);
        pending.remove(a);
        int b = pending.add(2, 0, 100);
        assertThat(b).isEqualTo(a);
        assertThat(pending.amount(b, 0)).isZero();
        assertThat(pending.find(a, 1)).isEqualTo(-1);
    }
}
