package dev.tally.core.money;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * The one rule for showing money to people (CLI, console, portal, alert messages and e-mails; the console's
 * {@code format.js} applies the same rule): US dollars with thousands separators, rounded half-up to cents
 * ({@code $10.96}, {@code $5,000.00}); only an amount below a cent, other than zero, shows more digits, two
 * significant ones ({@code $0.000022}), so it never reads as {@code $0.00}. The exact value is a hover
 * (console), {@code --exact} (CLI) or the JSON away, which always carries every digit.
 */
public final class MoneyText {
    private static final BigDecimal CENT = new BigDecimal("0.01");
    private static final MathContext TWO_DIGITS = new MathContext(2, RoundingMode.HALF_UP);

    private MoneyText() {
    }

    /** {@code 10.962532483} is {@code $10.96}; {@code 0.00002212} is {@code $0.000022}; {@code 0} is {@code $0.00}. */
    public static String forPeople(BigDecimal usd) {
        if (usd.signum() != 0 && usd.abs().compareTo(CENT) < 0) {
            BigDecimal small = usd.round(TWO_DIGITS);
            if (small.abs().compareTo(CENT) < 0) {
                return dollars(small.stripTrailingZeros().toPlainString());
            }
        }
        return dollars(usd.setScale(2, RoundingMode.HALF_UP).toPlainString());
    }

    /** Like {@link #forPeople(BigDecimal)}, from the API's decimal string. */
    public static String forPeople(String usd) {
        return forPeople(new BigDecimal(usd));
    }

    /** Every digit, with a dollar sign and separators: {@code 1234.567891} is {@code $1,234.567891}. */
    public static String exact(BigDecimal usd) {
        return dollars(usd.toPlainString());
    }

    /** Money as people read it, from a {@link Money}. */
    public static String forPeople(Money money) {
        return forPeople(money.toBigDecimal());
    }

    private static String dollars(String plain) {
        return plain.startsWith("-") ? "-$" + grouped(plain.substring(1)) : "$" + grouped(plain);
    }

    /**
     * A plain decimal with its whole part grouped by thousands: {@code -1234567.5} is {@code -1,234,567.5}. The one
     * grouping of numbers for people (money here, quantities in limit words and the CLI).
     */
    public static String grouped(String plain) {
        boolean negative = plain.startsWith("-");
        String digits = negative ? plain.substring(1) : plain;
        int dot = digits.indexOf('.');
        String whole = dot < 0 ? digits : digits.substring(0, dot);
        StringBuilder out = new StringBuilder(plain.length() + whole.length() / 3 + 1);
        out.append(negative ? "-" : "");
        for (int i = 0; i < whole.length(); i++) {
            if (i > 0 && (whole.length() - i) % 3 == 0) {
                out.append(',');
            }
            out.append(whole.charAt(i));
        }
        if (dot >= 0) {
            out.append(digits, dot, digits.length());
        }
        return out.toString();
    }
}
