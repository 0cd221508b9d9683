package dev.tally.core.metric;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigDecimal;

import static org.assertj.core.api.Assertions.assertThat;

class MetricUnitTest {

    @ParameterizedTest
    @CsvSource({
            "requests, CALLS",
            "cost, NANO_DOLLARS",
            "tokens, MICROS",
            "input_tokens, MICROS",
            "gpu_seconds, MICROS",
    })
    void of_metricName_itsUnit(String metric, MetricUnit unit) {
        assertThat(MetricUnit.of(metric)).isEqualTo(unit);
        assertThat(unit.isMoney()).isEqualTo(unit == MetricUnit.NANO_DOLLARS);
    }

    /** The stored longs are those written before this type existed: stored values and JSON must not move. */
    @ParameterizedTest
    @CsvSource({
            "requests, 100, 100, 100",
            "requests, 2.7, 2, 2",
            "cost, 1.5, 1500000000, 1.5",
            "cost, 0.0000000004, 0, 0",
            "cost, 0.0000000006, 1, 0.000000001",
            "tokens, 1000, 1000000000, 1000",
            "gpu_seconds, 0.000001, 1, 0.000001",
            "gpu_seconds, 2.50, 2500000, 2.5",
    })
    void toStored_amount_storedLongAndBack(String metric, BigDecimal amount, long stored, BigDecimal back) {
        MetricUnit unit = MetricUnit.of(metric);
        assertThat(unit.toStored(amount)).isEqualTo(stored);
        assertThat(unit.toDecimal(stored)).isEqualByComparingTo(back);
        assertThat(unit.toDecimal(stored).toPlainString()).isEqualTo(back.toPlainString());
    }
}
