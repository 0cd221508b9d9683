package dev.tally.server.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.money.MoneyText;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The admin console in headless Chromium against the real server: sign-in, the live overview, a customer's page,
 * the usage log's filters, monthly summaries, the plan editor's validation errors, and a phone-width layout. Saves
 * screenshots of each page under {@code target/screenshots/}.
 */
class AdminConsoleBrowserTest extends ConsoleBrowserTest {
    private Api admin;

    @BeforeAll
    void adminApi() {
        admin = site.admin();
    }

    @Test
    @Order(1)
    void signIn_wrongKeyThenAdminKey_showsErrorThenOverview() {
        browser.open("/");
        browser.await(d -> d.getCurrentUrl().endsWith("/signin"));
        browser.signIn("not-a-key");
        browser.await(d -> d.getCurrentUrl().endsWith("/signin?error=invalid"));
        browser.await(d -> d.findElement(By.id("signin-error")).isDisplayed());
        assertThat(browser.find("#signin-error").getText()).contains("not accepted");
        browser.screenshot("signin-error");

        browser.signIn(TestServer.ADMIN_KEY);
        browser.await(d -> d.findElements(By.cssSelector("tr[data-customer]")).size() == 3);
        assertThat(browser.find("#totals").getText()).containsIgnoringCase("customers\n3");
    }

    @Test
    @Order(2)
    void overview_eventsPosted_tableUpdatesByItself() {
        browser.open("/#/");
        WebElement cell = browser.find("tr[data-customer=globex] td[data-col=requests]");
        long before = digits(cell.getText());
        String refreshesBefore = browser.find("#updated").getDomAttribute("data-refreshes");

        ConsoleData.events(admin, "globex", "live", 7, ConsoleData.NOW.minusSeconds(600), 200);

        // No reload: the page polls the API and redraws the row.
        browser.await(d -> digits(d.findElement(
                By.cssSelector("tr[data-customer=globex] td[data-col=requests]")).getText()) == before + 7);
        assertThat(browser.find("#updated").getDomAttribute("data-refreshes")).isNotEqualTo(refreshesBefore);
        browser.screenshot("overview");
    }

    @Test
    @Order(3)
    void overview_searchAndSort_workInTheBrowser() {
        browser.open("/#/");
        browser.await(d -> d.findElements(By.cssSelector("tr[data-customer]")).size() == 3);
        browser.find("#customer-search").sendKeys("glob");
        browser.await(d -> d.findElements(By.cssSelector("tr[data-customer]")).size() == 1);
        assertThat(browser.find("tr[data-customer]").getDomAttribute("data-customer")).isEqualTo("globex");
        browser.find("#customer-search").clear();
        browser.script("document.getElementById('customer-search').dispatchEvent(new Event('input'))");
        browser.await(d -> d.findElements(By.cssSelector("tr[data-customer]")).size() == 3);

        WebElement byName = browser.find("thead th:first-child button.sort");
        byName.click();
        browser.await(d -> "ascending".equals(d.findElement(By.cssSelector("thead th:first-child"))
                .getDomAttribute("aria-sort")));
        assertThat(customerOrder()).containsExactly("acme", "globex", "initech");
    }

    @Test
    @Order(4)
    void customerPage_showsLimitsChartBreakdownsCallsAndHistory() {
        browser.open("/#/");
        browser.find("tr[data-customer=acme] a").click();
        browser.await(d -> d.getCurrentUrl().endsWith("#/customers/acme"));
        browser.await(d -> d.findElements(By.cssSelector("ul.limits li.limit")).size() == 4);
        WebElement requestsLimit = browser.find("li.limit[data-limit=requests-month]");
        assertThat(requestsLimit.getText()).contains("of 200").contains("left").contains("resets");
        assertThat(browser.find("li.limit[data-limit=requests-month] [role=progressbar]")
                .getDomAttribute("aria-valuenow")).isNotEqualTo("0");
        assertThat(browser.find("#s-history").findElement(By.xpath("..")).findElements(By.cssSelector("tbody tr")))
                .hasSizeGreaterThanOrEqualTo(7);
        assertThat(browser.find("#s-status-and-latency").findElement(By.xpath("..")).getText())
                .containsIgnoringCase("success rate").containsIgnoringCase("p95");
        assertThat(browser.find("#s-by-model").findElement(By.xpath("..")).getText()).contains("gpt-4")
                .contains("claude");
        assertThat(browser.find("#s-top-endpoints").findElement(By.xpath("..")).getText()).contains("/api/chat");
        assertThat(browser.find("#s-last-calls").findElement(By.xpath("..")).findElements(By.cssSelector("tbody tr")))
                .hasSize(20);

        // The CSV link works with the session cookie alone (a plain GET, as a download is).
        String csvHref = browser.find("a[download][href*='usage.csv']").getDomAttribute("href");
        Object csv = browser.asyncScript("""
                const done = arguments[arguments.length - 1];
                fetch(arguments[0]).then(r => r.text().then(t => done(r.status + ' '
                    + r.headers.get('content-type') + ' ' + t.split('\\n')[0])));""", csvHref);
        assertThat(csv.toString()).startsWith("200 text/csv").contains("customer,date,provider,model,endpoint");

        browser.find("button[data-range=week]").click();
        browser.find("button[data-metric=cost]").click();
        browser.await(d -> d.findElement(By.cssSelector(".chart-block .sr-only")).getDomProperty("textContent")
                .startsWith("Cost (USD): Week of"));
        browser.await(d -> Boolean.TRUE.equals(browser.script(
                "return !!window.Chart && !!Chart.getChart(document.querySelector('.chart canvas'))")));
        browser.fullPageScreenshot("customer");
    }

    @Test
    @Order(5)
    void usageLog_filters_showOnlyMatchingCalls() {
        browser.open("/#/logs?customer=acme");
        browser.await(d -> d.findElements(By.cssSelector("#log-results tbody tr")).size() == 50);
        assertThat(browser.find(".pager button:last-child").isEnabled()).isTrue();

        browser.find("#f-errors").click();
        browser.find("#f-provider").sendKeys("openai");
        browser.find("#log-filters button[type=submit]").click();
        browser.await(d -> d.getCurrentUrl().contains("errors=true") && d.getCurrentUrl().contains("provider=openai"));
        browser.await(d -> {
            List<WebElement> rows = d.findElements(By.cssSelector("#log-results tbody tr"));
            return !rows.isEmpty() && rows.size() < 50 && rows.stream().allMatch(r -> {
                List<WebElement> cells = r.findElements(By.tagName("td"));
                return cells.get(1).getText().equals("openai") && Integer.parseInt(cells.get(4).getText()) >= 400;
            });
        });
        browser.screenshot("logs");

        browser.open("/#/logs?customer=acme&from=2026-06-01&to=2026-06-01");
        browser.await(d -> d.findElements(By.cssSelector("#log-results .empty")).size() == 1);
        assertThat(browser.find("#log-results").getText()).contains("No calls match");
    }

    @Test
    @Order(6)
    void monthlySummary_sortsByUsageOrCost() {
        browser.open("/#/months?month=2026-11");
        browser.await(d -> d.findElements(By.cssSelector("tr[data-customer]")).size() == 3);
        browser.find("thead th:nth-child(3) button.sort").click();
        browser.await(d -> "descending".equals(d.findElement(By.cssSelector("thead th:nth-child(3)"))
                .getDomAttribute("aria-sort")));
        assertThat(customerOrder()).containsExactly("acme", "globex", "initech");
        browser.find("thead th:nth-child(3) button.sort").click();
        browser.await(d -> "ascending".equals(d.findElement(By.cssSelector("thead th:nth-child(3)"))
                .getDomAttribute("aria-sort")));
        assertThat(customerOrder()).containsExactly("initech", "globex", "acme");
        browser.screenshot("months");
    }

    @Test
    @Order(7)
    void planEditor_badLimit_showsErrorNextToField_thenSaves() {
        browser.open("/#/catalog");
        WebElement amount = browser.find("#plan-form [data-field='limits[0].amount']");
        amount.clear();
        amount.sendKeys("-5");
        browser.find("#plan-form button[type=submit]").click();

        WebElement error = browser.find("#plan-form .field-error");
        assertThat(error.getText()).contains("must be").contains("-5");
        // The message sits right after the input it is about, and the input points at it.
        WebElement invalid = browser.find("#plan-form [aria-invalid=true]");
        assertThat(invalid.getDomAttribute("data-field")).isEqualTo("limits[0].amount");
        assertThat(invalid.getDomAttribute("aria-describedby")).isEqualTo(error.getDomAttribute("id"));
        assertThat(admin.get("/v1/plans/pro").json().get("limits").get(0).get("amount").asLong()).isEqualTo(1000);
        browser.fullPageScreenshot("plans-validation-error");

        amount.clear();
        amount.sendKeys("1500");
        browser.find("#plan-form button[type=submit]").click();
        browser.await(d -> d.findElements(By.cssSelector("#plan-form .alert-ok")).size() == 1);
        assertThat(browser.driver().findElements(By.cssSelector("#plan-form .field-error"))).isEmpty();
        JsonNode limit = admin.get("/v1/plans/pro").json().get("limits").get(0);
        assertThat(limit.get("amount").asLong()).isEqualTo(1500);
    }

    @Test
    @Order(8)
    void phoneWidth_overviewFitsWithoutSideScrolling() {
        browser.resize(390, 844);
        try {
            browser.open("/#/");
            browser.await(d -> d.findElements(By.cssSelector("tr[data-customer]")).size() == 3);
            long pageWidth = ((Number) browser.script("return document.documentElement.scrollWidth")).longValue();
            long viewport = ((Number) browser.script("return window.innerWidth")).longValue();
            assertThat(pageWidth).isLessThanOrEqualTo(viewport);
            browser.screenshot("overview-phone");
        } finally {
            browser.resize(1280, 900);
        }
    }

    @Test
    @Order(9)
    void alerts_acknowledgeAndResolve_moveTheAlertBetweenLists() {
        // acme passed 50 % of its 200-request month limit while seeding: the alert engine (its own thread) raised a
        // threshold alert. Reload the list until it is there.
        browser.open("/#/alerts");
        browser.await(d -> {
            if (d.findElements(By.cssSelector("[data-alert]")).isEmpty()) {
                d.navigate().refresh();
                return null;
            }
            return true;
        });
        WebElement acme = browser.await(d -> d.findElements(By.cssSelector("tr")).stream()
                .filter(r -> r.getText().contains("acme") && r.getText().contains("requests-month"))
                .findFirst().orElse(null));
        String id = acme.findElement(By.cssSelector("[data-alert]")).getDomAttribute("data-alert");
        browser.screenshot("alerts");

        acme.findElement(By.xpath(".//button[normalize-space()='Acknowledge']")).click();
        browser.await(d -> d.findElements(By.cssSelector("[data-alert='" + id + "']")).isEmpty());
        assertThat(admin.get("/v1/alerts/" + id).json().get("state").asText()).isEqualTo("acknowledged");

        browser.open("/#/alerts?state=acknowledged");
        WebElement acknowledged = browser.find("[data-alert='" + id + "']");
        acknowledged.findElement(By.xpath(".//button[normalize-space()='Resolve']")).click();
        browser.await(d -> d.findElements(By.cssSelector("[data-alert='" + id + "']")).isEmpty());
        assertThat(admin.get("/v1/alerts/" + id).json().get("state").asText()).isEqualTo("resolved");
        browser.open("/#/alerts?state=resolved");
        browser.find("[data-alert='" + id + "']");
    }

    /**
     * The customers' rows in their order, read in one script call: the overview re-renders its table on each live
     * refresh, so rows found first and read one by one afterwards can go stale in between (it happened under load).
     */
    @SuppressWarnings("unchecked")
    private List<String> customerOrder() {
        return (List<String>) browser.script(
                "return Array.from(document.querySelectorAll('tr[data-customer]'), r => r.dataset.customer);");
    }

    private static long digits(String text) {
        String d = text.replaceAll("[^0-9]", "");
        return d.isEmpty() ? -1 : Long.parseLong(d);
    }

    /** Issue 15.5: money for people (cents, more digits only below a cent), the exact value on hover. */
    @Test
    @Order(20)
    void money_costCells_showCentsWithTheExactValueOnHover() {
        browser.open("/#/");
        browser.await(d -> d.findElements(By.cssSelector("tr[data-customer]")).size() == 3);
        JsonNode rows = admin.get("/v1/usage").json().get("customers");
        for (JsonNode row : rows) {
            String cost = row.at("/totals/cost").asText();
            WebElement cell = browser.find("tr[data-customer=" + row.get("customer").asText()
                    + "] td[data-col=cost] .money");
            assertThat(cell.getText()).as(cost).isEqualTo(MoneyText.forPeople(cost));
            String exact = MoneyText.exact(new java.math.BigDecimal(cost));
            if (!exact.equals(cell.getText())) {
                assertThat(cell.getDomAttribute("title")).as(cost).isEqualTo(exact);
            }
        }
        // Per call, costs below a cent keep two significant digits instead of reading as $0.00.
        browser.open("/#/customers/acme");
        browser.await(d -> d.findElements(By.cssSelector("#s-last-calls ~ * tbody tr, section:has(#s-last-calls) "
                + "tbody tr")).size() > 0);
        List<String> callCosts = browser.driver().findElements(By.cssSelector("section:has(#s-last-calls) .money"))
                .stream().map(WebElement::getText).toList();
        assertThat(callCosts).isNotEmpty().allMatch(t -> t.matches("\\$\\d+\\.\\d{2}|\\$0\\.00\\d*[1-9]\\d?"), "cents, or two "
                + "significant digits below a cent").noneMatch("$0.00"::equals);
    }

    /** Issue 15.6: a chart of one request ticks at whole numbers; every page has its icon. */
    @Test
    @Order(21)
    void chart_oneRequest_yAxisTicksAreWholeNumbers_andFaviconIsServed() {
        ConsoleData.events(admin, "initech", "one", 1, ConsoleData.NOW.minusSeconds(60), 200);
        browser.open("/#/customers/initech");
        browser.await(d -> Boolean.TRUE.equals(browser.script(
                "return !!window.Chart && !!Chart.getChart(document.querySelector('.chart canvas'))")));
        Object ticks = browser.script("return Chart.getChart(document.querySelector('.chart canvas'))"
                + ".scales.y.ticks.map(t => t.value)");
        assertThat((List<?>) ticks).isNotEmpty()
                .allMatch(v -> ((Number) v).doubleValue() == Math.rint(((Number) v).doubleValue()), "whole");

        Object icon = browser.asyncScript("""
                const done = arguments[arguments.length - 1];
                fetch('/favicon.ico').then(r => done(r.status + ' ' + r.headers.get('content-type')));""");
        assertThat(icon).isEqualTo("200 image/x-icon");
        assertThat(browser.find("link[rel=icon]").getDomAttribute("href")).isEqualTo("/favicon.ico");
    }
}
