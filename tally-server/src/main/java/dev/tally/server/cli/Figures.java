package dev.tally.server.cli;

import dev.tally.core.money.MoneyText;

import java.math.BigDecimal;

/**
 * Numbers as the client commands print them: digits grouped by thousands with commas, quantities with every digit
 * the API sent, money by the one display rule for people ({@link MoneyText}: cents, more digits only below a cent),
 * or with every digit when asked ({@code --exact}). Exact throughout: money arrives as a decimal string and is never
 * turned into a {@code double}.
 */
final class Figures {
    private Figures() {
    }

    /** A whole count: {@code 1234567} is {@code 1,234,567}. */
    static String count(long n) {
        return decimal(BigDecimal.valueOf(n));
    }

    /** A quantity: {@code 1234.5} is {@code 1,234.5}; never in exponent notation. */
    static String decimal(BigDecimal value) {
        return grouped(value.toPlainString());
    }

    /**
     * USD from the API's decimal string, for people: {@code "10.962532483"} is {@code $10.96}, {@code "1234.5"} is
     * {@code $1,234.50}, and {@code "0.00002212"} is {@code $0.000022}.
     */
    static String money(String decimalString) {
        return MoneyText.forPeople(decimalString);
    }

    /** USD with every digit the API sent: {@code "10.962532483"} is {@code $10.962532483} ({@code --exact}). */
    static String exactMoney(String decimalString) {
        // Parsing checks it is a number; toPlainString gives back the digits exactly as sent.
        return MoneyText.exact(new BigDecimal(decimalString));
    }

    private static String grouped(String plain) {
        return MoneyText.grouped(plain);
    }
}
