package dev.tally.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.server.json.Json;
import org.junit.jupiter.api.Test;

import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The text of {@code tally usage} for shapes the server tests do not reach: windows, filters, unlimited, zones. */
class UsageTableTest {
    private static final String PERIOD = """
            {"start":"2026-10-31T23:00:00Z","end":"2026-11-30T23:00:00Z","resets_at":"2026-11-30T23:00:00Z"}""";

    private static JsonNode report(String limits) {
        try {
            return Json.mapper().readTree("""
                    {"period":%s,"totals":{"requests":1234,"tokens":5678,"cost":"1.20"},"limits":%s}"""
                    .formatted(PERIOD, limits));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static List<String> render(String limits, boolean color) {
        return new UsageTable(color).render(new CustomerUsage("Acme Corp", "pro", ZoneId.of("Europe/Berlin"),
                report(limits)));
    }

    @Test
    void render_filtersWindowsAndUnlimited_labelsAndAlignsEachLimit() {
        List<String> lines = render("""
                [{"metric":"requests","window":"minute","amount":600,"used":12,"percent":2.0,"status":"ok",
                  "mode":"hard"},
                 {"metric":"tokens","provider":"openai","model":"gpt-4","endpoint":"/api/chat","window":"day",
                  "amount":20000,"used":17000,"percent":85.0,"status":"critical","mode":"hard"},
                 {"metric":"seconds","window":"month","amount":null,"used":12345.5,"percent":null,"status":"ok",
                  "mode":"hard"},
                 {"metric":"cost","window":"month","amount":"1500.00","used":"1234.5678","percent":82.3,
                  "status":"critical","mode":"soft"}]""", false);

        assertThat(lines).containsExactly(
                "Acme Corp (pro) - 2026-11-01 to 2026-11-30, resets 2026-12-01",
                "requests/minute                           12 / 600         2.0%  ok",
                "openai gpt-4 /api/chat tokens/day     17,000 / 20,000     85.0%  critical",
                "seconds                             12,345.5 / unlimited         ok",
                "cost                               $1,234.57 / $1,500.00  82.3%  critical (soft)");
    }

    @Test
    void render_exact_keepsEveryDigitOfMoney() {
        List<String> lines = new UsageTable(false, true).render(new CustomerUsage("Acme Corp", "pro",
                ZoneId.of("Europe/Berlin"), report("""
                        [{"metric":"cost","window":"month","amount":"5000.00","used":"10.962532483","percent":0.2,
                          "status":"ok","mode":"hard"}]""")));

        assertThat(lines.get(1)).isEqualTo("cost  $10.962532483 / $5,000.00       0.2%  ok");
    }

    @Test
    void render_noLimits_printsTotalsLine() {
        List<String> lines = new UsageTable(false).render(new CustomerUsage("Bluebird", null, ZoneOffset.UTC,
                report("[]")));

        assertThat(lines).containsExactly("Bluebird (no plan) - 2026-10-31 to 2026-11-29, resets 2026-11-30",
                "requests 1,234  tokens 5,678  cost $1.20");
    }

    @Test
    void render_color_marksWarningYellowAndCriticalRed() {
        List<String> lines = render("""
                [{"metric":"requests","window":"month","amount":10,"used":6,"percent":60.0,"status":"warning",
                  "mode":"hard"},
                 {"metric":"tokens","window":"month","amount":10,"used":9,"percent":90.0,"status":"critical",
                  "mode":"hard"}]""", true);

        assertThat(lines.get(1)).endsWith("\u001B[33mwarning\u001B[0m");
        assertThat(lines.get(2)).endsWith("\u001B[31mcritical\u001B[0m");
    }
}
