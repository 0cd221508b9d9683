package dev.tally.server.web;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The customer portal in headless Chromium: a customer signs in with its key and sees its own month, limits,
 * warnings, calls and history, and nothing of any other customer, whether by link, URL or API call from the page.
 */
class PortalBrowserTest extends ConsoleBrowserTest {
    private String acmeKey;

    @BeforeAll
    void issueKey() {
        acmeKey = site.customerKey("acme");
    }

    @Test
    @Order(1)
    void customerKey_signsInToOwnMonth_limitsWarningsCallsAndHistory() {
        browser.signIn(acmeKey);
        browser.await(d -> d.getCurrentUrl().endsWith("/portal"));
        browser.await(d -> d.findElements(By.cssSelector("ul.limits li.limit")).size() == 4);
        assertThat(browser.find("h1").getText()).contains("Acme Corp");
        // 140 of 200 requests: the month limit warns at 70 %.
        // Its warnings: the limit past 50 % (from the usage report) and its open alerts (from /v1/me/alerts).
        browser.await(d -> d.findElements(By.cssSelector("#alerts li[data-alert]")).size() > 0 || reload());
        String warnings = browser.find("#s-warnings").findElement(By.xpath("..")).getText();
        assertThat(warnings).contains("requests-month: 70.0 % used").contains("no price");
        assertThat(browser.find("#s-recent-calls").findElement(By.xpath("..")).findElements(By.cssSelector("tbody tr")))
                .hasSize(20);
        assertThat(browser.find("#s-history").findElement(By.xpath("..")).findElements(By.cssSelector("tbody tr")))
                .hasSizeGreaterThanOrEqualTo(7);
        // Times are in the customer's zone (Europe/Berlin, UTC+1 in November): a call at 08:19 UTC shows 9:19.
        assertThat(browser.find("#s-recent-calls").findElement(By.xpath("..")).getText()).contains("9:19:00");
        browser.await(d -> Boolean.TRUE.equals(browser.script(
                "return !!window.Chart && !!Chart.getChart(document.querySelector('.chart canvas'))")));
        assertThat(browser.driver().getPageSource()).doesNotContain("Globex").doesNotContain("globex");
        browser.fullPageScreenshot("portal");
    }

    @Test
    @Order(2)
    void portalSession_cannotReachAnotherCustomer_byApiOrUrl() {
        browser.open("/portal");
        browser.find("ul.limits");
        Map<String, Long> statuses = fetchStatuses(List.of("/v1/me/usage", "/v1/customers/acme/usage",
                "/v1/customers/globex/usage", "/v1/customers/globex/events", "/v1/customers/globex",
                "/v1/customers/no-such-customer/usage", "/v1/usage", "/v1/customers", "/v1/plans",
                "/v1/usage.csv", "/v1/customers/globex/usage.csv"));
        assertThat(statuses).containsEntry("/v1/me/usage", 200L).containsEntry("/v1/customers/acme/usage", 200L);
        // Another customer, an id that does not exist and every admin list answer the same 403.
        statuses.entrySet().stream().filter(e -> !e.getKey().equals("/v1/me/usage")
                        && !e.getKey().equals("/v1/customers/acme/usage"))
                .forEach(e -> assertThat(e.getValue()).as(e.getKey()).isEqualTo(403L));

        // Changes are refused too, with or without the CSRF token.
        Object put = browser.asyncScript("""
                const done = arguments[arguments.length - 1];
                fetch('/ui/session').then(r => r.json()).then(s => fetch('/v1/customers/acme', {method: 'PUT',
                    headers: {'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf_token},
                    body: JSON.stringify({name: 'Hacked'})})).then(r => done(r.status));""");
        assertThat(put).isEqualTo(403L);

        // The console's URLs lead back to the portal.
        browser.open("/#/customers/globex");
        browser.await(d -> d.getCurrentUrl().contains("/portal"));
        browser.find("ul.limits");
        assertThat(browser.find("h1").getText()).contains("Acme Corp");
    }

    @Test
    @Order(3)
    void phoneWidth_portalFits_thenSignOutEndsSession() {
        browser.resize(390, 844);
        try {
            browser.open("/portal");
            browser.find("ul.limits");
            long pageWidth = ((Number) browser.script("return document.documentElement.scrollWidth")).longValue();
            long viewport = ((Number) browser.script("return window.innerWidth")).longValue();
            assertThat(pageWidth).isLessThanOrEqualTo(viewport);
            browser.screenshot("portal-phone");
        } finally {
            browser.resize(1280, 900);
        }
        browser.find("#signout").click();
        browser.await(d -> d.getCurrentUrl().endsWith("/signin"));
        browser.open("/portal");
        browser.await(d -> d.getCurrentUrl().endsWith("/signin"));
        assertThat(fetchStatuses(List.of("/v1/me/usage"))).containsEntry("/v1/me/usage", 401L);
    }

    /** Reloads the page (alerts are stored by the alert engine's own thread, shortly after the events). */
    private boolean reload() {
        browser.driver().navigate().refresh();
        return false;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Long> fetchStatuses(List<String> paths) {
        return (Map<String, Long>) browser.asyncScript("""
                const done = arguments[arguments.length - 1];
                Promise.all(arguments[0].map(p => fetch(p).then(r => [p, r.status])))
                    .then(pairs => done(Object.fromEntries(pairs)));""", paths);
    }
}
