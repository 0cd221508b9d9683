package dev.tally.bench;

import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedCondition;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Times the console's pages in Debian's headless Chromium (for {@link ConsoleLoad}): milliseconds from the start of
 * navigation until the page shows its data, one live refresh of the overview (fetch and redraw), and how long after
 * an event is acknowledged it shows in the overview without a reload.
 */
final class ConsoleTiming {
    private static final int RUNS = 5;

    private ConsoleTiming() {
    }

    static void run(int port, String adminKey, String liveCustomer, String pageCustomer, int customers,
                    Instant now) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("tally-bench-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(System.getenv().getOrDefault("TALLY_TEST_CHROMIUM", "/usr/bin/chromium"));
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--window-size=1280,900");
        ChromeDriver driver = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(new File(
                System.getenv().getOrDefault("TALLY_TEST_CHROMEDRIVER", "/usr/bin/chromedriver"))).build(), options);
        try {
            driver.manage().window().setSize(new Dimension(1280, 900));
            String base = "http://127.0.0.1:" + port;
            driver.get(base + "/signin");
            driver.findElement(By.id("key")).sendKeys(adminKey);
            driver.findElement(By.cssSelector("form.signin-form button[type=submit]")).click();
            String rows = "return document.querySelectorAll('tr[data-customer]').length";
            await(driver, d -> ((Number) js(driver, rows)).intValue() == customers);

            report("overview page, " + customers + " rows", load(driver, base + "/", d ->
                    ((Number) js(driver, rows)).intValue() == customers));
            report("customer page", load(driver, base + "/#/customers/" + pageCustomer, d ->
                    !d.findElements(By.cssSelector("ul.limits li.limit")).isEmpty()
                            && Boolean.TRUE.equals(js(driver, "return !!(window.Chart && "
                            + "Chart.getChart(document.querySelector('.chart canvas')))"))));
            report("usage log page, errors only", load(driver, base + "/#/logs?customer=" + pageCustomer
                    + "&errors=true", d -> !d.findElements(By.cssSelector("#log-results tbody tr")).isEmpty()));
            report("monthly summary page", load(driver, base + "/#/months", d ->
                    ((Number) js(driver, rows)).intValue() == customers));

            driver.get(base + "/");
            await(driver, d -> ((Number) js(driver, rows)).intValue() == customers);
            List<Double> refreshes = new ArrayList<>();
            for (int i = 0; i < RUNS * 2; i++) {
                String before = String.valueOf(js(driver, "return document.getElementById('updated').dataset.refreshes"));
                await(driver, d -> !before.equals(String.valueOf(
                        js(driver, "return document.getElementById('updated').dataset.refreshes"))));
                refreshes.add(Double.parseDouble(String.valueOf(
                        js(driver, "return document.getElementById('updated').dataset.lastRefreshMs"))));
            }
            report("one live refresh (fetch + redraw)", refreshes);

            List<Double> shown = new ArrayList<>();
            String cell = "return document.querySelector('tr[data-customer=\"" + liveCustomer
                    + "\"] td[data-col=requests]').textContent";
            for (int i = 0; i < RUNS; i++) {
                String before = String.valueOf(js(driver, cell));
                long acknowledged = post(port, adminKey, liveCustomer, now, i);
                await(driver, d -> !before.equals(String.valueOf(js(driver, cell))));
                shown.add((System.nanoTime() - acknowledged) / 1e6);
            }
            report("posted event visible in overview (2 s polling)", shown);
        } finally {
            driver.quit();
        }
    }

    /** Loads {@code url} {@link #RUNS} times; each time, ms from navigation start until {@code ready}. */
    private static List<Double> load(ChromeDriver driver, String url, ExpectedCondition<Boolean> ready) {
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < RUNS; i++) {
            driver.get("about:blank");
            driver.get(url);
            await(driver, ready);
            times.add(((Number) js(driver, "return performance.now()")).doubleValue());
        }
        return times;
    }

    private static void report(String what, List<Double> ms) {
        List<Double> sorted = new ArrayList<>(ms);
        Collections.sort(sorted);
        System.out.printf("browser: %-48s median %6.0f ms, min %6.0f, max %6.0f (%d runs)%n", what + ":",
                sorted.get(sorted.size() / 2), sorted.get(0), sorted.get(sorted.size() - 1), sorted.size());
    }

    private static <T> T await(ChromeDriver driver, ExpectedCondition<T> condition) {
        return new WebDriverWait(driver, Duration.ofSeconds(120)).pollingEvery(Duration.ofMillis(10)).until(condition);
    }

    private static Object js(ChromeDriver driver, String script) {
        return ((JavascriptExecutor) driver).executeScript(script);
    }

    /** Posts five calls for {@code customer}; returns System.nanoTime() when the server acknowledged them. */
    private static long post(int port, String adminKey, String customer, Instant now, int run)
            throws IOException, InterruptedException {
        // Ids unique across runs too: a run on a kept store must not send duplicates of an earlier run's calls.
        String prefix = "live-" + Long.toString(System.currentTimeMillis(), 36) + "-" + run;
        StringBuilder body = new StringBuilder("[");
        for (int i = 0; i < 5; i++) {
            body.append(i == 0 ? "" : ",").append("{\"id\":\"").append(prefix).append('-').append(i)
                    .append("\",\"customer\":\"").append(customer).append("\",\"timestamp\":\"").append(now)
                    .append("\",\"provider\":\"openai\",\"model\":\"gpt-4o\",\"usage\":{\"input_tokens\":10}}");
        }
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/v1/events"))
                .header("Authorization", "Bearer " + adminKey).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.append(']').toString())).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200 || !r.body().contains("\"accepted\":5")) {
            throw new IllegalStateException("posting live events answered " + r.statusCode() + ": " + r.body());
        }
        return System.nanoTime();
    }
}
