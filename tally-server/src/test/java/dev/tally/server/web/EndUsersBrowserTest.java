package dev.tally.server.web;

import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * End users and dimensions (issue 13) in the console and the portal, in headless Chromium: a customer's top users
 * and dimension breakdowns today, this week and this month, a user's own page, the usage log filtered by user and
 * by dimension, every user of the month, and the same seen by the customer in its portal; a user's page of a past
 * billing month, chosen with its month picker, in both.
 *
 * <p>The seeded acme has 20 calls a day from Nov 14 to 20 (Europe/Berlin, "today" Nov 20, a Friday), four users in
 * turn: each user has 5 calls today, 25 this week (since Monday Nov 16) and 35 this month.
 */
class EndUsersBrowserTest extends ConsoleBrowserTest {
    private String acmeKey;

    @BeforeAll
    void signIn() {
        acmeKey = site.customerKey("acme");
        browser.signIn(TestServer.ADMIN_KEY);
    }

    @Test
    @Order(1)
    void customerPage_topUsersAndDimensions_byDayWeekAndMonth() {
        browser.open("/#/customers/acme");
        assertThat(requestsOf("users", "user_1")).isEqualTo("35");
        assertThat(browser.find("[data-breakdown='dimension.platform']").getText()).contains("instagram")
                .contains("tiktok");
        assertThat(browser.find("[data-breakdown='dimension.bot']").getText()).contains("support").contains("sales");

        browser.find("button[data-users-range=day]").click();
        browser.await(d -> d.findElement(By.id("breakdowns-note")).getText().contains("All 20 calls today"));
        assertThat(requestsOf("users", "user_1")).isEqualTo("5");
        // Every third call is on TikTok: 6 of today's 20.
        assertThat(requestsOf("dimension.platform", "tiktok")).isEqualTo("6");
        browser.fullPageScreenshot("customer-users-day");

        browser.find("button[data-users-range=week]").click();
        browser.await(d -> d.findElement(By.id("breakdowns-note")).getText().contains("All 100 calls since"));
        assertThat(requestsOf("users", "user_1")).isEqualTo("25");
        // Six TikTok calls on each of the five days since Monday.
        assertThat(requestsOf("dimension.platform", "tiktok")).isEqualTo("30");
        browser.fullPageScreenshot("customer-users-week");
        // Both ranges were read from the server's day sums, not summed here from the event log.
        assertThat(requestedPaths()).anyMatch(p -> p.contains("/v1/customers/acme/usage?from="))
                .noneMatch(p -> p.contains("/events?from="));
    }

    @Test
    @Order(2)
    void userPage_linkedFromTopUsers_showsTotalsLimitsAndOnlyItsCalls() {
        browser.open("/#/customers/acme");
        browser.find("[data-breakdown=users] a[href$='/users/user_2']").click();
        browser.await(d -> d.getCurrentUrl().endsWith("#/customers/acme/users/user_2"));
        assertThat(browser.find("#user-totals").getText()).containsIgnoringCase("requests\n35");
        // The customer's limits apply to the user's calls too, and say that every user shares them.
        browser.await(d -> d.findElements(By.cssSelector("ul.limits li.limit")).size() == 4);
        assertThat(browser.find("li.limit[data-limit=requests-month]").getText()).contains("shared by all users");
        assertThat(lastCalls()).hasSize(20);
        browser.fullPageScreenshot("customer-user");

        browser.find("a[href*='user=user_2']").click();
        browser.await(d -> d.getCurrentUrl().contains("#/logs?customer=acme&user=user_2"));
        int user2Calls = site.admin().get("/v1/customers/acme/events?user=user_2&limit=50").json().get("events")
                .size();
        assertThat(user2Calls).isGreaterThan(0);
        browser.await(d -> d.findElements(By.cssSelector("#log-results tbody tr")).size() == user2Calls);
        assertThat(browser.find("#f-user").getDomProperty("value")).isEqualTo("user_2");
        assertThat(column("User")).containsOnly("user_2");
    }

    @Test
    @Order(3)
    void usageLog_filtersByDimension_andExplainsAMalformedFilter() {
        browser.open("/#/logs?customer=acme");
        browser.await(d -> d.findElements(By.cssSelector("#log-results tbody tr")).size() == 50);
        browser.find("#f-dimension").sendKeys("platform");
        browser.find("#log-filters button[type=submit]").click();
        assertThat(browser.find("#f-dimension-error").getText()).contains("key=value");
        assertThat(browser.find("#f-dimension").getDomAttribute("aria-invalid")).isEqualTo("true");

        browser.find("#f-dimension").sendKeys("=tiktok, bot=sales");
        browser.find("#log-filters button[type=submit]").click();
        browser.await(d -> d.getCurrentUrl().contains("dimension.platform=tiktok")
                && d.getCurrentUrl().contains("dimension.bot=sales"));
        int matching = site.admin().get("/v1/customers/acme/events?dimension.platform=tiktok&dimension.bot=sales"
                + "&limit=50").json().get("events").size();
        assertThat(matching).isGreaterThan(0);
        browser.await(d -> d.findElements(By.cssSelector("#log-results tbody tr")).size() == matching);
        assertThat(column("Dimensions")).containsOnly("bot=sales\nplatform=tiktok");
        assertThat(browser.find("#f-dimension").getDomProperty("value")).isEqualTo("platform=tiktok, bot=sales");
        browser.screenshot("logs-dimension");
    }

    @Test
    @Order(4)
    void allUsersPage_listsEveryUserOfTheMonth_sortable() {
        browser.open("/#/customers/acme/users?sort=cost");
        browser.await(d -> d.findElements(By.cssSelector("#users-list tbody tr")).size() == 4);
        assertThat(browser.find("a.seg[aria-pressed=true]").getText()).isEqualTo("Cost");
        assertThat(browser.find("#users-list").getText()).contains("user_1").contains("user_4");
        browser.screenshot("customer-users");
    }

    @Test
    @Order(5)
    void customerPage_perUserLimit_showsTheUsersNearestToIt() {
        acmeWithPerUserLimit("""
                {"name":"requests-day-per-user","metric":"requests","window":"day","amount":10,"per":"user"}""");
        // Two more calls for user_1 and user_2 today, one for user_3 and user_4 (users in turn from user_1).
        ConsoleData.events(site.admin(), "acme", "per-user", 6, ConsoleData.NOW.minusSeconds(600), 200);
        String user1 = site.admin().get("/v1/customers/acme/users/user_1/usage").json().get("limits").findValues("per")
                .isEmpty() ? null : "user_1";
        assertThat(user1).as("user_1's usage has its per-user limit").isNotNull();

        browser.open("/#/customers/acme");
        WebElement limit = browser.find("[data-per-limit=requests-day-per-user]");
        assertThat(limit.getText()).contains("10 requests a day for each user");
        List<WebElement> rows = limit.findElements(By.cssSelector("tbody tr"));
        assertThat(rows).hasSize(4);
        // user_1 and user_2 are the nearest (most calls today); ties go by name.
        assertThat(rows.get(0).findElements(By.tagName("td")).get(0).getText()).isEqualTo("user_1");
        assertThat(rows.get(1).findElements(By.tagName("td")).get(0).getText()).isEqualTo("user_2");
        assertThat(rows.get(0).getText()).contains("of 10");
        browser.fullPageScreenshot("customer-per-user-limits");
    }

    @Test
    @Order(6)
    void portal_customerSeesItsUsers_andOneUsersPage() {
        browser.find("#signout").click();
        browser.await(d -> d.getCurrentUrl().endsWith("/signin"));
        browser.signIn(acmeKey);
        browser.await(d -> d.getCurrentUrl().endsWith("/portal"));
        // 35 seeded calls and one more from the per-user test.
        assertThat(requestsOf("users", "user_3")).isEqualTo("36");
        browser.fullPageScreenshot("portal-with-users");

        browser.find("[data-breakdown=users] a[href='#/users/user_3']").click();
        browser.await(d -> d.findElements(By.id("user-totals")).size() == 1);
        assertThat(browser.find("h1").getText()).isEqualTo("user_3");
        assertThat(browser.find("#user-totals").getText()).containsIgnoringCase("requests\n36");
        assertThat(lastCalls()).hasSize(20);
        browser.screenshot("portal-user");

        browser.find("a[href='#/users']").click();
        browser.await(d -> d.findElements(By.cssSelector("#users-list tbody tr")).size() == 4);
        browser.screenshot("portal-users");

        // The portal's home has the same ranges, read from the customer's own report of the days.
        browser.find("a[href='#/']").click();
        browser.find("button[data-users-range=day]").click();
        browser.await(d -> d.findElement(By.id("breakdowns-note")).getText().contains("calls today"));
        assertThat(requestsOf("users", "user_3")).isEqualTo("6");
        browser.find("button[data-users-range=week]").click();
        browser.await(d -> d.findElement(By.id("breakdowns-note")).getText().contains("calls since"));
        assertThat(requestsOf("users", "user_3")).isEqualTo("26");
        browser.fullPageScreenshot("portal-users-week");
        assertThat(requestedPaths()).anyMatch(p -> p.contains("/v1/me/usage?from="));
        // The portal never shows another customer's users, whatever its page asks for.
        Object status = browser.asyncScript("""
                const done = arguments[arguments.length - 1];
                fetch('/v1/customers/globex/users').then(r => done(r.status));""");
        assertThat(status).isEqualTo(403L);
    }

    /**
     * Issue 13: a user's page for a past billing month. user_2 had 5 calls on Oct 12 and 37 this month; with a limit
     * of 10 calls a month for each user, October's page shows 5 of 10 (measured from October's sums), not this
     * month's count.
     */
    @Test
    @Order(7)
    void portalUserView_pickAPastMonth_showsThatMonthsTotalsLimitsAndCalls() {
        acmeWithPerUserLimit("""
                {"name":"calls-month-per-user","metric":"requests","window":"month","amount":10,"per":"user",
                 "mode":"soft"}""");
        browser.open("/portal#/users/user_2");
        awaitRequests(37);
        assertThat(ownMonthLimit().getText()).contains("37 of 10");
        assertThat(browser.find("#user-month").getDomProperty("value")).isEqualTo("2026-11");

        pickMonth("2026-10");
        browser.await(d -> d.getCurrentUrl().endsWith("/portal#/users/user_2?period=2026-10"));
        awaitRequests(5);
        assertThat(ownMonthLimit().getText()).contains("5 of 10").contains("this user’s own");
        assertThat(browser.find("li.limit[data-limit=calls-month-per-user] .badge").getText())
                .containsIgnoringCase("warning");
        assertThat(lastCalls()).hasSize(5);
        browser.fullPageScreenshot("portal-user-past-month");
    }

    @Test
    @Order(8)
    void consoleUserPage_pickAPastMonth_showsThatMonth_andBackToThisMonth() {
        browser.find("#signout").click();
        browser.await(d -> d.getCurrentUrl().endsWith("/signin"));
        browser.signIn(TestServer.ADMIN_KEY);
        browser.open("/#/customers/acme/users/user_2");
        awaitRequests(37);

        pickMonth("2026-10");
        browser.await(d -> d.getCurrentUrl().endsWith("#/customers/acme/users/user_2?period=2026-10"));
        awaitRequests(5);
        assertThat(ownMonthLimit().getText()).contains("5 of 10");
        assertThat(browser.find("h1").findElement(By.xpath("..")).getText()).contains("October 2026");
        assertThat(lastCalls()).hasSize(5);
        browser.fullPageScreenshot("customer-user-past-month");

        // The link to the log keeps the month: October's days in acme's zone, and the log lists October's 5 calls.
        browser.find("#user-log").click();
        browser.await(d -> d.getCurrentUrl().endsWith("#/logs?customer=acme&user=user_2&from=2026-10-01&to=2026-10-31"));
        browser.await(d -> d.findElements(By.cssSelector("#log-results tbody tr")).size() == 5);
        browser.driver().navigate().back();
        browser.await(d -> d.getCurrentUrl().endsWith("#/customers/acme/users/user_2?period=2026-10"));
        awaitRequests(5);

        browser.find("#user-month-current").click();
        browser.await(d -> d.getCurrentUrl().endsWith("#/customers/acme/users/user_2"));
        awaitRequests(37);
        assertThat(lastCalls()).hasSize(20);
    }

    /** Gives acme its seeded settings and 200-call month limit, and {@code perUser}: a limit for each user. */
    private void acmeWithPerUserLimit(String perUser) {
        ConsoleData.ok(site.admin().put("/v1/customers/acme", """
                {"name":"Acme Corp","plan":"pro","timezone":"Europe/Berlin","billing_day":1,
                 "limits":[{"metric":"requests","window":"month","amount":200},%s]}""".formatted(perUser)));
    }

    /** Chooses a month in a user page's picker, as a person picking it does (the input's change event). */
    private void pickMonth(String month) {
        browser.script("const p = document.getElementById('user-month'); p.value = arguments[0];"
                + " p.dispatchEvent(new Event('change'));", month);
    }

    private void awaitRequests(int requests) {
        browser.await(d -> d.findElement(By.id("user-totals")).getText().toLowerCase()
                .contains("requests\n" + requests));
    }

    private WebElement ownMonthLimit() {
        return browser.find("li.limit[data-limit=calls-month-per-user]");
    }

    /** The rows of a user page's last calls. */
    private List<WebElement> lastCalls() {
        return browser.find("#s-last-calls-of-this-user").findElement(By.xpath(".."))
                .findElements(By.cssSelector("tbody tr"));
    }

    /** The Requests cell of a row of a breakdown ("users", "dimension.platform"), once the row is there. */
    private String requestsOf(String breakdown, String name) {
        return browser.await(d -> d.findElements(By.cssSelector("[data-breakdown='" + breakdown + "'] tbody tr"))
                .stream().filter(r -> r.findElements(By.tagName("td")).get(0).getText().equals(name))
                .map(r -> r.findElements(By.tagName("td")).get(1).getText()).findFirst().orElse(null));
    }

    /** The paths (with query) the page has fetched since it was loaded, from the browser's resource timings. */
    private List<String> requestedPaths() {
        Object names = browser.script("return performance.getEntriesByType('resource')"
                + ".map(e => { const u = new URL(e.name); return u.pathname + u.search; });");
        return ((List<?>) names).stream().map(String::valueOf).toList();
    }

    /** The texts of one column of the usage log, found by its header. */
    private List<String> column(String header) {
        List<String> heads = browser.driver().findElements(By.cssSelector("#log-results thead th")).stream()
                .map(WebElement::getText).map(String::trim).toList();
        int index = heads.stream().map(String::toLowerCase).toList().indexOf(header.toLowerCase());
        assertThat(index).as(heads.toString()).isNotNegative();
        return browser.driver().findElements(By.cssSelector("#log-results tbody tr")).stream()
                .map(r -> r.findElements(By.tagName("td")).get(index).getText()).toList();
    }
}
