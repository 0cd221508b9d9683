package dev.tally.server.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.http.RerateTestData;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.Browser;
import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 16 in the console, in headless Chromium against the real server: a customer's page shows the month's
 * adjustments and re-ratings with who made them, and an admin signed in with a name runs a dry run (nothing changes)
 * and applies it, recorded as made by that name.
 */
class CorrectionsBrowserTest {
    @Test
    void customerPage_adjustmentShown_dryRunThenApply_reratingListed(@TempDir Path dir) {
        try (TestServer server = TestServer.start(Backend.SQLITE, dir, MutableClock.at("2026-11-20T12:00:00Z"));
             Browser browser = Browser.start(server.port())) {
            Api api = server.admin();
            RerateTestData.setUp(api);
            api.post("/v1/customers/acme/adjustments", """
                    {"metric":"cost","amount":"-12.50","reason":"refund for outage 2026-11-03","period":"2026-11"}""");
            RerateTestData.price(api, "2.50");

            browser.open("/");
            browser.signIn(TestServer.ADMIN_KEY, "Ana Ruiz");
            browser.await(d -> d.findElements(By.cssSelector("tr[data-customer]")).size() == 1);
            browser.open("/#/customers/acme");
            browser.await(d -> d.findElements(By.id("s-corrections")).size() == 1);
            String corrections = browser.find("#s-corrections").findElement(By.xpath("..")).getText();
            assertThat(corrections).contains("refund for outage 2026-11-03").contains("never re-rated")
                    .as("recorded with the admin key as Bearer").contains("admin key 944650a7");
            assertThat(browser.find("#rerate-apply").isEnabled()).as("no apply before a dry run").isFalse();

            browser.find("#rerate-dry-run").click();
            browser.await(d -> d.findElement(By.id("rerate-result")).getText().contains("would change"));
            assertThat(browser.find("#rerate-result").getText()).contains("21 of 21 events").contains("gpt-4o");
            assertThat(api.get("/v1/customers/acme/usage?period=2026-11").json().at("/totals/cost").asText())
                    .as("the dry run changed nothing").isEqualTo("-12.50");
            browser.screenshot("corrections-dry-run");

            browser.find("#rerate-apply").click();
            browser.await(d -> d.findElement(By.id("rerate-result")).getText().startsWith("Applied"));
            assertThat(api.get("/v1/customers/acme/usage?period=2026-11").json().at("/totals/cost").asText())
                    .isEqualTo("61.66255");

            browser.open("/#/");
            browser.open("/#/customers/acme");
            browser.await(d -> d.findElements(By.id("s-corrections")).size() == 1
                    && !d.findElement(By.id("s-corrections")).findElement(By.xpath("..")).getText()
                    .contains("never re-rated"));
            assertThat(browser.find("#s-corrections").findElement(By.xpath("..")).getText()).contains("2026-11")
                    .contains("21").as("who applied it: the name given at sign-in").contains("console: Ana Ruiz");
            assertThat(api.get("/v1/reratings?customer=acme").json().at("/reratings/0/created_by").asText())
                    .isEqualTo("console: Ana Ruiz");
            browser.screenshot("corrections-applied");
        }
    }

    /**
     * Issue 16: an admin records an adjustment in the console (bad input shows the server's problems next to their
     * fields and records nothing), and the customer sees it and the month's re-rating in the portal, without the
     * other customer's part of a re-rating of every customer, and without who made them.
     */
    @Test
    void consoleRecordsAdjustment_badInputShowsProblems_portalShowsCorrections(@TempDir Path dir) {
        try (TestServer server = TestServer.start(Backend.SQLITE, dir, MutableClock.at("2026-11-20T12:00:00Z"));
             Browser browser = Browser.start(server.port())) {
            Api api = server.admin();
            RerateTestData.setUp(api);
            api.put("/v1/customers/globex", "{\"name\":\"Globex\"}");
            assertThat(api.post("/v1/events", """
                    [{"id":"g1","customer":"globex","provider":"openai","model":"gpt-4o",
                      "timestamp":"2026-11-12T10:00:00Z","usage":{"input_tokens":1000000}}]""").json().path("accepted")
                    .asInt()).isEqualTo(1);
            String acmeKey = api.post("/v1/customers/acme/keys", null).json().path("key").asText();

            browser.signIn(TestServer.ADMIN_KEY, "Ana Ruiz");
            browser.open("/#/customers/acme");
            browser.await(d -> d.findElements(By.id("adjustment-form")).size() == 1);
            browser.find("#adjustment-amount").sendKeys("-12.50");
            browser.find("#adjustment-period").clear();
            browser.find("#adjustment-period").sendKeys("2027-01");
            browser.find("#adjustment-record").click();
            browser.await(d -> d.findElements(By.cssSelector("#adjustment-form .field-error")).size() == 2);
            assertThat(browser.find("#adjustment-reason").getAttribute("aria-invalid")).isEqualTo("true");
            assertThat(browser.find("#adjustment-form").getText()).contains("is required: say why")
                    .contains("must be a billing month that has begun");
            assertThat(api.get("/v1/customers/acme/adjustments?period=2026-11").json().path("adjustments").size())
                    .as("nothing recorded").isZero();
            browser.screenshot("corrections-adjustment-problems");

            browser.find("#adjustment-period").clear();
            browser.find("#adjustment-period").sendKeys("2026-11");
            browser.find("#adjustment-reason").sendKeys("refund for outage 2026-11-03");
            browser.find("#adjustment-record").click();
            browser.await(d -> d.findElement(By.id("adjustment-status")).getText().startsWith("Recorded"));
            assertThat(browser.find("#adjustment-form").findElements(By.cssSelector(".field-error"))).isEmpty();
            assertThat(browser.find("#adjustment-list").getText()).contains("refund for outage 2026-11-03")
                    .contains("console: Ana Ruiz");
            JsonNode stored = api.get("/v1/customers/acme/adjustments?period=2026-11").json().at("/adjustments/0");
            assertThat(stored.path("amount").asText()).isEqualTo("-12.50");
            assertThat(stored.path("created_by").asText()).isEqualTo("console: Ana Ruiz");
            assertThat(api.get("/v1/customers/acme/usage?period=2026-11").json().at("/totals/cost").asText())
                    .isEqualTo("-12.50");
            browser.screenshot("corrections-adjustment-recorded");

            RerateTestData.price(api, "2.50");
            assertThat(api.post("/v1/rerate", "{\"period\":\"2026-11\",\"dry_run\":false}").status())
                    .as("every customer").isEqualTo(201);

            browser.driver().manage().deleteAllCookies();
            browser.signIn(acmeKey);
            browser.await(d -> d.findElements(By.id("s-corrections")).size() == 1);
            String portal = browser.find("#s-corrections").findElement(By.xpath("..")).getText();
            assertThat(portal).contains("refund for outage 2026-11-03").contains("This month was re-rated")
                    .as("acme's 21 calls, not globex's one too").contains("21 calls were priced again")
                    .doesNotContain("Ana Ruiz");
            assertThat(browser.find("#daily-note").getText()).as("the day chart says where the credit went")
                    .contains("Days show usage only").contains("cost -$12.50");
            assertThat(browser.driver().getPageSource()).doesNotContain("globex");
            browser.fullPageScreenshot("portal-corrections");
        }
    }
}
