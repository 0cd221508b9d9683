package dev.tally.core.limit;

import java.math.BigDecimal;
import java.util.Locale;

/** How close usage is to a limit: {@code ok} below 50%, {@code warning} from 50%, {@code critical} from 80%, {@code exceeded} from 100%. */
public enum LimitStatus {
    OK, WARNING, CRITICAL, EXCEEDED;

    private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);

    /**
     * The status of {@code used} against {@code amount}, compared exactly (not on the rounded percent).
     *
     * @param amount the limit; null (unlimited) is always {@code ok}
     */
    public static LimitStatus of(BigDecimal used, BigDecimal amount) {
        if (amount == null) {
            return OK;
        }
        BigDecimal scaled = used.multiply(HUNDRED);
        if (scaled.compareTo(amount.multiply(HUNDRED)) >= 0) {
            return EXCEEDED;
        }
        if (scaled.compareTo(amount.multiply(BigDecimal.valueOf(80))) >= 0) {
            return CRITICAL;
        }
        if (scaled.compareTo(amount.multiply(BigDecimal.valueOf(50))) >= 0) {
            return WARNING;
        }
        return OK;
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The worse of two statuses. */
    public LimitStatus worst(LimitStatus other) {
        return other.ordinal() > ordinal() ? other : this;
    }
}
