package dev.tally.server.web;

import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 15.6, the console clips and hides: every console and portal page at 1280 px and at 390 px (a phone), with
 * no table wider than its card (nor scrolled inside it) and the key columns on screen; a full-page screenshot of each
 * under {@code target/screenshots/<page>-<width>.png}. The data has what made the old pages clip: a model name as
 * long as Bedrock's and two customers of the same name.
 */
class LayoutBrowserTest extends ConsoleBrowserTest {
    private static final String LONG_MODEL = "anthropic.claude-3-5-sonnet-20241022-v2:0";
    /** Names every table (by its card's heading) that is wider than its card or scrolls inside its wrapper. */
    private static final String OVERFLOWING_TABLES = """
            const out = [];
            const doc = document.documentElement;
            if (doc.scrollWidth > doc.clientWidth) out.push(`page: ${doc.scrollWidth} px in ${doc.clientWidth}`);
            for (const t of document.querySelectorAll('table')) {
              if (!t.getClientRects().length) continue;
              const card = t.closest('.card') || t.parentElement;
              const name = card.querySelector('h2')?.textContent || card.id || card.className;
              const wrap = t.closest('.table-wrap');
              if (wrap && wrap.scrollWidth > wrap.clientWidth + 1) {
                out.push(`${name}: table ${wrap.scrollWidth} px in a ${wrap.clientWidth} px wrapper`);
              }
              if (t.getBoundingClientRect().right > card.getBoundingClientRect().right + 1
                  || card.scrollWidth > card.clientWidth + 1) {
                out.push(`${name}: table wider than its card`);
              }
            }
            return out;""";
    /** Names the elements of a selector that are not shown whole inside their card (none found is an error too). */
    private static final String HIDDEN = """
            const found = [...document.querySelectorAll(arguments[0])];
            if (!found.length) return ['nothing matches ' + arguments[0]];
            return found.filter(e => {
              const r = e.getBoundingClientRect();
              const box = (e.closest('.table-wrap') || e.closest('.card')).getBoundingClientRect();
              const style = getComputedStyle(e);
              return !e.getClientRects().length || style.visibility === 'hidden' || r.width === 0
                || r.left < box.left - 1 || r.right > box.right + 1;
            }).map(e => e.textContent.trim() || e.tagName);""";

    private String acmeKey;

    @BeforeAll
    void addTheDataThatClipped() {
        acmeKey = site.customerKey("acme");
        ConsoleData.ok(site.admin().put("/v1/customers/acme-eu", """
                {"name":"Acme Corp","plan":"pro","timezone":"Europe/Dublin","billing_day":1}"""));
        ConsoleData.ok(site.admin().post("/v1/events", """
                [{"id":"long-model-1","customer":"acme","timestamp":"2026-11-20T11:00:00Z","provider":"anthropic",
                  "model":"%s","endpoint":"/api/chat","status":200,"user":"a-very-long-end-user-name@clinic.example.com",
                  "usage":{"input_tokens":123456789,"output_tokens":9876543}}]""".formatted(LONG_MODEL)));
        browser.signIn(TestServer.ADMIN_KEY);
    }

    @Test
    @Order(1)
    void wide_customerPage_byModelCostAndAlertMessages_areNotCut() {
        browser.resize(1280, 900);
        browser.open("/#/customers/acme");
        ready("[data-breakdown=users] tbody tr");
        browser.await(d -> d.findElements(By.cssSelector("section:has(#s-active-alerts) tbody tr")).size() > 0
                || reload());
        ready("[data-breakdown=users] tbody tr");
        assertThat(browser.find("section:has(#s-by-model)").getText()).contains(LONG_MODEL);
        assertNoOverflow("customer page at 1280 px");
        assertShown("section:has(#s-by-model) td:last-child .money");
        assertShown("section:has(#s-active-alerts) td .wrap");
    }

    @Test
    @Order(2)
    void phone_overviewKeepsStatusAndClosestLimit_andCustomerTablesFitTheirCards() {
        browser.resize(390, 844);
        browser.open("/#/");
        ready("tr[data-customer]");
        assertNoOverflow("overview at 390 px");
        assertShown("tr[data-customer] td[data-col=status] .badge");
        assertShown("tr[data-customer] td[data-col=limit] [role=progressbar]");

        browser.open("/#/customers/acme");
        ready("[data-breakdown=users] tbody tr");
        assertNoOverflow("customer page at 390 px");
        assertShown("section:has(#s-by-model) td:last-child .money");
        assertShown("section:has(#s-last-calls) td:last-child");
    }

    @Test
    @Order(3)
    void overview_closestLimitBars_areDrawnToScale() {
        browser.resize(1280, 900);
        browser.open("/#/");
        ready("tr[data-customer] td[data-col=limit] [role=progressbar]");
        // Each bar's fill is its percent of the bar (a style meant for the label once gave every fill 3.5rem).
        List<?> offScale = (List<?>) browser.script("""
                return [...document.querySelectorAll('td[data-col=limit] [role=progressbar]')].filter(b => {
                  const percent = Math.min(100, Number(b.getAttribute('aria-valuenow')));
                  const drawn = b.querySelector('.bar-fill').getBoundingClientRect().width / b.clientWidth * 100;
                  return Math.abs(drawn - percent) > 2;
                }).map(b => b.getAttribute('aria-label') + ' ' + b.getAttribute('aria-valuenow'));""");
        assertThat(offScale).isEmpty();
    }

    @Test
    @Order(4)
    void usageLog_customersOfTheSameName_areToldApartInTheDropdown() {
        for (int width : new int[]{1280, 390}) {
            browser.resize(width, 900);
            browser.open("/#/logs?customer=acme-eu");
            browser.find("#f-customer");
            List<?> texts = (List<?>) browser.script("return [...document.querySelectorAll('#f-customer option')]"
                    + ".filter(o => o.textContent.startsWith('Acme Corp')).map(o => o.textContent)");
            assertThat(texts).hasSize(2).doesNotHaveDuplicates();
            // The closed dropdown shows the chosen option whole, id included.
            Object room = browser.script("""
                    const s = document.getElementById('f-customer');
                    const style = getComputedStyle(s);
                    const ctx = document.createElement('canvas').getContext('2d');
                    ctx.font = style.font;
                    const text = ctx.measureText(s.selectedOptions[0].textContent).width;
                    const inner = s.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 16;
                    return inner - text;""");
            assertThat(((Number) room).doubleValue()).as("room left beside 'Acme Corp · acme-eu' at %d px", width)
                    .isNotNegative();
            assertThat(browser.find("#f-customer").getText()).contains("acme-eu");
        }
    }

    @Test
    @Order(5)
    void everyConsolePage_atBothWidths_fitsItsCards_andIsPhotographed() {
        List<String[]> pages = List.of(
                new String[]{"overview", "/#/", "tr[data-customer]"},
                new String[]{"customer", "/#/customers/acme", "[data-breakdown=users] tbody tr"},
                new String[]{"customer-users", "/#/customers/acme/users", "#users-list tbody tr"},
                new String[]{"customer-user", "/#/customers/acme/users/user_1", "#user-totals"},
                new String[]{"logs", "/#/logs?customer=acme", "#log-results tbody tr"},
                new String[]{"months", "/#/months?month=2026-11", "tr[data-customer]"},
                new String[]{"catalog", "/#/catalog", "#plan-form tbody tr"},
                new String[]{"alerts", "/#/alerts", "#alert-list tbody tr"});
        photograph(pages);
    }

    @Test
    @Order(6)
    void everyPortalPage_atBothWidths_fitsItsCards_andIsPhotographed() {
        browser.resize(1280, 900);
        browser.find("#signout").click();
        browser.await(d -> d.getCurrentUrl().endsWith("/signin"));
        browser.resize(390, 844);
        browser.fullPageScreenshot("signin-390");
        browser.resize(1280, 900);
        browser.fullPageScreenshot("signin-1280");
        browser.signIn(acmeKey);
        photograph(List.of(
                new String[]{"portal", "/portal", "[data-breakdown=users] tbody tr"},
                new String[]{"portal-users", "/portal#/users", "#users-list tbody tr"},
                new String[]{"portal-user", "/portal#/users/user_1", "#user-totals"}));
    }

    /** Each page at 1280 and 390 px: waits for it, checks that no table overflows, saves a full-page screenshot. */
    private void photograph(List<String[]> pages) {
        for (int width : new int[]{1280, 390}) {
            browser.resize(width, width == 390 ? 844 : 900);
            for (String[] page : pages) {
                browser.open(page[1]);
                // A hash change alone does not reload the page: force it, so each page starts fresh.
                browser.driver().navigate().refresh();
                ready(page[2]);
                assertNoOverflow(page[0] + " at " + width + " px");
                browser.fullPageScreenshot(page[0] + "-" + width);
            }
        }
    }

    private void ready(String css) {
        browser.await(d -> !d.findElements(By.cssSelector(css)).isEmpty());
        // Charts draw after the data: wait for them too, so the screenshot shows them.
        browser.await(d -> Boolean.TRUE.equals(browser.script("""
                const c = document.querySelector('.chart canvas');
                return !c || (!!window.Chart && !!Chart.getChart(c));""")));
    }

    private void assertNoOverflow(String where) {
        assertThat((List<?>) browser.script(OVERFLOWING_TABLES)).as(where).isEmpty();
    }

    private void assertShown(String css) {
        assertThat((List<?>) browser.script(HIDDEN, css)).as(css).isEmpty();
    }

    private boolean reload() {
        browser.driver().navigate().refresh();
        return false;
    }
}
