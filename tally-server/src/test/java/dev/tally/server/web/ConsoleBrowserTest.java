package dev.tally.server.web;

import dev.tally.server.testing.Browser;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/**
 * What the console's browser test classes share: one {@link ConsoleSite} (a seeded server and a headless Chromium)
 * for the whole class, its tests run in order. A subclass's own {@code @BeforeAll} runs after the site is up.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class ConsoleBrowserTest {
    protected ConsoleSite site;
    protected Browser browser;

    @BeforeAll
    void startSite(@TempDir Path dir) {
        site = ConsoleSite.start(dir);
        browser = site.browser();
    }

    @AfterAll
    void stopSite() {
        if (site != null) {
            site.close();
        }
    }
}
