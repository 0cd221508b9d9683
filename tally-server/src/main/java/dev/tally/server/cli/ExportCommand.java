package dev.tally.server.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code tally export}: the CSV usage report of a month, every customer ({@code /v1/usage.csv}, one line each) or
 * one ({@code /v1/customers/{id}/usage.csv}, one line per day, provider, model and endpoint), to stdout or a file.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write a month's usage report as CSV: every customer (admin key) or one.")
public final class ExportCommand extends ApiCommand {
    @Option(names = "--period", paramLabel = "PERIOD", defaultValue = "current",
            converter = BillingPeriodConverter.class,
            description = "current (default) or a month as YYYY-MM: with --customer, the customer's billing period "
                    + "holding most of that month; for every customer, each one's billing period starting in it")
    String period;

    @Option(names = "--customer", paramLabel = "ID", description = "only this customer, by day, provider, model "
            + "and endpoint")
    String customer;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "write to FILE instead of stdout")
    Path output;

    @Override
    int run(TallyApiClient api) throws IOException {
        String path;
        if (customer == null) {
            path = "/v1/usage.csv?period=" + period;
        } else {
            String base = "/v1/customers/" + TallyApiClient.segment(customer);
            int billingDay = period.equals("current") ? 1 : api.getJson(base).path("billing_day").asInt(1);
            path = base + "/usage.csv?period=" + PeriodWords.forCustomer(period, billingDay);
        }
        // The whole report is fetched before the file is opened, so a failed request leaves no partial file.
        String csv = api.getText(path);
        if (output == null) {
            out().print(csv);
        } else {
            Files.writeString(output, csv, StandardCharsets.UTF_8);
            err().println("wrote " + output);
        }
        return 0;
    }
}
