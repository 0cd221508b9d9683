package dev.tally.server.web;

import dev.tally.core.testing.MutableClock;
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
 * Issue 15.4: a customer whose hard limit is used up sees, in the portal, the message its calls are denied with:
 * the built-in "Your monthly limit is over. Please upgrade your plan." for a monthly quota, or the plan's own words.
 */
class PortalDenialBrowserTest {
    @Test
    void usedUpLimits_portalShowsTheirDenialMessages(@TempDir Path dir) {
        MutableClock clock = MutableClock.at("2026-11-20T12:00:00Z");
        try (TestServer server = TestServer.start(Backend.SQLITE, dir, clock)) {
            Api admin = server.admin();
            admin.put("/v1/plans/free", """
                    {"limits": [{"metric": "requests", "window": "month", "amount": 2},
                                {"metric": "requests", "window": "day", "amount": 2},
                                {"metric": "tokens", "window": "month", "amount": 1000000}],
                     "messages": {"limits": {"requests-day": {"denied": "That is all for today, {customer}."}}}}""");
            admin.put("/v1/customers/bob", "{\"name\": \"Bob\", \"plan\": \"free\"}");
            admin.post("/v1/events", "[{\"id\": \"b1\", \"customer\": \"bob\"}, {\"id\": \"b2\", \"customer\": \"bob\"}]");
            String key = admin.post("/v1/customers/bob/keys", null).json().get("key").asText();

            try (Browser browser = Browser.start(server.port())) {
                browser.signIn(key);
                browser.await(d -> d.getCurrentUrl().endsWith("/portal"));
                browser.await(d -> !d.findElements(By.cssSelector("#denials li")).isEmpty());
                assertThat(browser.driver().findElements(By.cssSelector("#denials li")))
                        .extracting(e -> e.getText().replaceFirst("^\\S+\\s+", ""))
                        .containsExactly("Your monthly limit is over. Please upgrade your plan.",
                                "That is all for today, Bob.");
                // Each limit is said once: its denial message, not also "requests-month: 100.0 % used"; of its alerts
                // (50, 80 and 100 %) only the highest level.
                browser.await(d -> d.findElements(By.cssSelector("#alerts li[data-alert]")).size() == 2 || reload(browser));
                assertThat(browser.driver().findElements(By.cssSelector("#alerts li[data-alert]")))
                        .extracting(e -> e.getAttribute("data-limit"))
                        .containsExactlyInAnyOrder("requests-day", "requests-month");
                assertThat(browser.find("#s-warnings").findElement(By.xpath("..")).getText())
                        .contains("100%").doesNotContain("requests-month: 100.0 % used")
                        .doesNotContain("50% of");
                // Issue 15.8: the history names the billing period by its days, not by a month's name.
                browser.await(d -> !d.findElements(By.cssSelector("#s-history")).isEmpty());
                assertThat(browser.find("#s-history").findElement(By.xpath("..")).getText())
                        .containsIgnoringCase("Billing period").contains("Nov 1, 2026 – Nov 30, 2026");
                browser.screenshot("portal-denial");
            }
        }
    }

    /** Alerts are judged after the events are stored: load the page again until they are there. */
    private static boolean reload(Browser browser) {
        browser.driver().navigate().refresh();
        return false;
    }
}
