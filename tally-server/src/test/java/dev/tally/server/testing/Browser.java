package dev.tally.server.testing;

import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedCondition;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Debian's headless Chromium driven through its chromedriver, for tests of the console against the real server.
 * Missing binaries fail the test loudly (install with {@code apt-get install chromium chromium-driver}); nothing is
 * downloaded at run time. Waits are explicit conditions with a deadline, never sleeps.
 */
public final class Browser implements AutoCloseable {
    public static final String CHROMIUM = System.getenv().getOrDefault("TALLY_TEST_CHROMIUM", "/usr/bin/chromium");
    public static final String CHROMEDRIVER = System.getenv().getOrDefault("TALLY_TEST_CHROMEDRIVER",
            "/usr/bin/chromedriver");
    private static final Path SCREENSHOTS = Paths.get("target", "screenshots");

    private final ChromeDriver driver;
    private final Path profile;
    private final String base;

    private Browser(ChromeDriver driver, Path profile, String base) {
        this.driver = driver;
        this.profile = profile;
        this.base = base;
    }

    /** Starts a fresh headless Chromium (its own empty profile) at 1280x900 for the server on {@code port}. */
    public static Browser start(int port) {
        for (String binary : new String[]{CHROMIUM, CHROMEDRIVER}) {
            if (!Files.isExecutable(Paths.get(binary))) {
                throw new IllegalStateException(binary + " is missing: the browser tests need Debian's chromium and "
                        + "chromium-driver (apt-get install -y chromium chromium-driver; .ci/run does this)");
            }
        }
        Path profile;
        try {
            profile = Files.createTempDirectory("tally-chromium-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--lang=en-US", "--user-data-dir=" + profile, "--window-size=1280,900");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().window().setSize(new Dimension(1280, 900));
        return new Browser(driver, profile, "http://127.0.0.1:" + port);
    }

    public WebDriver driver() {
        return driver;
    }

    /** Opens a path of the server. */
    public Browser open(String path) {
        driver.get(base + path);
        return this;
    }

    /** Waits up to 15 s for a condition. */
    public <T> T await(ExpectedCondition<T> condition) {
        // The live pages redraw on their own, so an element read in one poll may be replaced by the next: try again.
        return new WebDriverWait(driver, Duration.ofSeconds(15)).ignoring(StaleElementReferenceException.class)
                .until(condition);
    }

    /** Waits until an element is present, and returns it. */
    public WebElement find(String css) {
        return await(d -> {
            var found = d.findElements(By.cssSelector(css));
            return found.isEmpty() ? null : found.get(0);
        });
    }

    public Object script(String js, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(js, args);
    }

    /** Runs an async script (its last argument is the callback), e.g. a fetch from the page's origin. */
    public Object asyncScript(String js, Object... args) {
        return ((JavascriptExecutor) driver).executeAsyncScript(js, args);
    }

    /** Signs in through the form with {@code key}. */
    public Browser signIn(String key) {
        return signIn(key, "");
    }

    /** Signs in with {@code key}, giving {@code name} as the operator's name (empty: none). */
    public Browser signIn(String key, String name) {
        open("/signin");
        find("#key").sendKeys(key);
        if (!name.isEmpty()) {
            find("#name").sendKeys(name);
        }
        find("form.signin-form button[type=submit]").click();
        // The form posts and the server redirects (to the console, the portal or back with ?error=): wait for it, so
        // that nothing the caller looks for is found on the page being left.
        await(d -> !d.getCurrentUrl().endsWith("/signin"));
        return this;
    }

    /** Resizes the window (e.g. 390x844 for a phone). */
    public void resize(int width, int height) {
        driver.manage().window().setSize(new Dimension(width, height));
    }

    /** Saves a PNG of the viewport under {@code target/screenshots/<name>.png}. */
    public Path screenshot(String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
            File shot = driver.getScreenshotAs(OutputType.FILE);
            Path target = SCREENSHOTS.resolve(name + ".png");
            Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Saves a PNG of the whole page (the window grows to the page's height for the shot, then shrinks back). */
    public Path fullPageScreenshot(String name) {
        Dimension before = driver.manage().window().getSize();
        // The window's height includes the browser's own bars: add them, so the viewport holds the whole page.
        long height = ((Number) script("return Math.min(6000, document.documentElement.scrollHeight)"
                + " + window.outerHeight - window.innerHeight")).longValue();
        driver.manage().window().setSize(new Dimension(before.getWidth(), (int) Math.max(before.getHeight(), height)));
        try {
            return screenshot(name);
        } finally {
            driver.manage().window().setSize(before);
        }
    }

    @Override
    public void close() {
        driver.quit();
        try (Stream<Path> files = Files.walk(profile)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A leftover temp profile is harmless.
        }
    }
}
