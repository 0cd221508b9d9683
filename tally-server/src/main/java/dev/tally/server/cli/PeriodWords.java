package dev.tally.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.period.Periods;

import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;

/**
 * Billing periods as the client commands name them (issue 15.8): by their first and last day in the customer's zone
 * ("2026-11-30 to 2026-12-29"), never by a month name a period starting on the 30th would not deserve; and
 * {@code --period YYYY-MM} for one customer as the billing period holding most of that calendar month
 * ({@link Periods#billingMonthCovering}).
 */
final class PeriodWords {
    private PeriodWords() {
    }

    /** "2026-11-30 to 2026-12-29" for a report's {@code period} (end exclusive) in {@code zone}. */
    static String span(JsonNode period, ZoneId zone) {
        LocalDate first = LocalDate.ofInstant(Instant.parse(period.path("start").asText()), zone);
        LocalDate last = LocalDate.ofInstant(Instant.parse(period.path("end").asText()), zone).minusDays(1);
        return first + " to " + last;
    }

    /**
     * The API's {@code period} for a customer billed from {@code billingDay}: {@code current} as it is, a calendar
     * month as the name of the billing month that holds most of it.
     */
    static String forCustomer(String period, int billingDay) {
        return period.equals("current") ? period
                : Periods.billingMonthCovering(billingDay, YearMonth.parse(period)).toString();
    }
}
