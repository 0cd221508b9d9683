package dev.tally.server.web;

import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.Browser;
import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 15.8: the console's usage log shows every customer's failed calls at once ("All customers"). */
class LogAllErrorsBrowserTest {
    @Test
    void usageLog_allCustomers_listsEveryCustomersErrorsWithTheCustomer(@TempDir Path dir) {
        try (TestServer server = TestServer.start(Backend.SQLITE, dir, MutableClock.at("2026-12-06T12:00:00Z"))) {
            Api admin = server.admin();
            admin.put("/v1/customers/acme", "{\"name\": \"Acme Corp\"}");
            admin.put("/v1/customers/globex", "{\"name\": \"Globex\"}");
            admin.post("/v1/events", """
                    [{"id": "ok-1", "customer": "acme", "status": 200, "timestamp": "2026-12-06T11:10:00Z"},
                     {"id": "err-acme", "customer": "acme", "status": 502, "timestamp": "2026-12-06T11:20:00Z"},
                     {"id": "err-globex", "customer": "globex", "status": 429, "timestamp": "2026-12-06T11:30:00Z"}]""");
            try (Browser browser = Browser.start(server.port())) {
                browser.signIn(TestServer.ADMIN_KEY);
                browser.open("/#/logs?customer=*");
                browser.await(d -> d.findElements(By.cssSelector("#log-results tbody tr")).size() == 2);
                String rows = String.join("\n", browser.driver().findElements(By.cssSelector("#log-results tbody tr"))
                        .stream().map(WebElement::getText).toList());
                assertThat(rows).contains("globex").contains("err-globex").contains("acme").contains("err-acme")
                        .doesNotContain("ok-1");
                assertThat(browser.find("#f-customer option:checked").getText())
                        .isEqualTo("All customers (errors only)");
                browser.screenshot("logs-all-customers-errors");
            }
        }
    }
}
