package dev.tally.core.counter;

import dev.tally.core.limit.Limit;
import dev.tally.core.period.Window;
import org.junit.jupiter.api.Test;

import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link Charges} and {@link CounterStates}: the packed lists answer what the records they replace would. */
class PackedChargesAndStatesTest {
    private static CounterSpec spec(String metric) {
        return new CounterSpec(new Limit.LimitKey(metric, Window.DAY, null, null, null), Window.DAY, ZoneId.of("UTC"),
                1, 100, true);
    }

    @Test
    void counterStates_ofRecords_answerTheSameRecordsAndFields_pastSixtyFourStates() {
        List<CounterState> records = new ArrayList<>();
        for (int i = 0; i < 130; i++) {
            // Fits or not in no regular pattern, so a flag landing in the wrong bit or word shows.
            records.add(new CounterState(i, 2L * i, i % 3 == 0 || i % 7 == 1, i % 3 == 0 ? 0 : 1000L + i,
                    Long.MAX_VALUE - i));
        }
        CounterStates packed = CounterStates.of(records);
        assertThat(packed).isEqualTo(records).hasSize(130);
        for (int i = 0; i < records.size(); i++) {
            CounterState r = records.get(i);
            assertThat(packed.fits(i)).as("fits %d", i).isEqualTo(r.fits());
            assertThat(packed.used(i)).isEqualTo(r.used());
            assertThat(packed.reserved(i)).isEqualTo(r.reserved());
            assertThat(packed.retryMs(i)).isEqualTo(r.retryMs());
            assertThat(packed.resetMs(i)).isEqualTo(r.resetMs());
        }
        assertThat(CounterStates.of(packed)).isSameAs(packed);
    }

    @Test
    void counterStates_putAgain_clearsTheFitsFlag() {
        CounterStates states = new CounterStates(2);
        states.put(1, 1, 0, true, 0, 5);
        states.put(1, 1, 0, false, 7, 5);
        assertThat(states.get(1)).isEqualTo(new CounterState(1, 0, false, 7, 5));
        assertThat(states.fits(0)).isFalse();
    }

    @Test
    void counterStates_usedOnly_answerTheRecordsOfUsedAmounts() {
        CounterStates states = CounterStates.usedOnly(3);
        for (int i = 0; i < 3; i++) {
            states.putUsed(i, 10L * i + 7);
        }
        assertThat(states).containsExactly(new CounterState(7, 0, true, 0, 0), new CounterState(17, 0, true, 0, 0),
                new CounterState(27, 0, true, 0, 0));
        assertThat(states.used(2)).isEqualTo(27);
        assertThat(states.fits(1)).isTrue();
        assertThatThrownBy(() -> states.used(3)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> states.fits(-1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> states.put(0, 1, 0, true, 0, 0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void counterStates_outOfRange_throw() {
        CounterStates states = new CounterStates(2);
        assertThatThrownBy(() -> states.fits(2)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> states.used(-1)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void charges_ofRecords_answerTheSameRecordsAndParts() {
        CounterSpec requests = spec("requests");
        CounterSpec tokens = spec("tokens");
        List<Charge> records = List.of(new Charge(requests, 1), new Charge(tokens, 1_200, "user_1"),
                new Charge(tokens, 0));
        Charges packed = Charges.of(records);
        assertThat(packed).isEqualTo(records);
        assertThat(packed.spec(1)).isSameAs(tokens);
        assertThat(packed.amount(1)).isEqualTo(1_200);
        assertThat(packed.value(1)).isEqualTo("user_1");
        assertThat(packed.value(2)).isNull();
        assertThat(Charges.of(packed)).isSameAs(packed);
    }

    @Test
    void charges_sharingALongerSpecArray_haveTheAmountsLength() {
        CounterSpec[] specs = {spec("requests"), spec("tokens"), spec("cost")};
        Charges two = new Charges(specs, new long[]{1, 5}, null);
        assertThat(two).containsExactly(new Charge(specs[0], 1), new Charge(specs[1], 5));
        assertThatThrownBy(() -> two.spec(2)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> new Charges(new CounterSpec[1], new long[2], null))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
