package dev.tally.server.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.regex.Pattern;

/**
 * Checks {@code --period} before anything is sent: {@code current} or a month {@code YYYY-MM}, as the API's
 * {@code period} parameter takes it.
 */
final class BillingPeriodConverter implements ITypeConverter<String> {
    private static final Pattern MONTH = Pattern.compile("\\d{4}-\\d{2}");

    @Override
    public String convert(String value) {
        if (value.equals("current")) {
            return value;
        }
        if (MONTH.matcher(value).matches()) {
            try {
                return YearMonth.parse(value).toString();
            } catch (DateTimeParseException e) {
                // reported below, with the rule
            }
        }
        throw new TypeConversionException("must be current or a month as YYYY-MM, was '" + value + "'");
    }
}
