package io.agentorchestrator.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The admin dashboard in a real browser: Debian's chromium driven through chromium-driver opens
 * the dashboard of the running live demo, sees its agents, and sees an agent killed through the
 * admin API turn UNHEALTHY on the page without a reload. Leaves a screenshot at
 * {@code target/dashboard-browser-test.png}.
 */
class DashboardBrowserIT {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final String TOKEN = "browser-test-admin-token-0123";
    private static final String KILLED = "route-planner-2";

    /**
     * Selenium warns that it has no DevTools bindings for this chromium's version; the test uses
     * plain WebDriver only, so the warning is noise. Held here so the setting is not collected.
     */
    private static final java.util.logging.Logger SELENIUM_LOG = java.util.logging.Logger.getLogger("org.openqa.selenium");

    static {
        SELENIUM_LOG.setLevel(java.util.logging.Level.SEVERE);
    }

    @TempDir
    Path profile;

    @Test
    void theDashboardShowsTheAgentsAndAStatusChangeWithoutAReload() throws Exception {
        assertThat(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER))
                .as("Debian's chromium and chromium-driver are needed at %s and %s: run `apt-get install -y chromium chromium-driver` "
                        + "as root (.ci/run installs them when absent)", CHROMIUM, CHROMEDRIVER)
                .isTrue();
        try (LiveDemo demo = new LiveDemo(DemoOptions.defaults(), 0, TOKEN, false, LiveDemo.OUTAGE, line -> { }).start()) {
            ChromeOptions options = new ChromeOptions();
            options.setBinary(CHROMIUM.toFile());
            options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1280,1100",
                    "--user-data-dir=" + profile.toAbsolutePath());
            ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort()
                    .build();
            WebDriver driver = new ChromeDriver(service, options);
            try {
                driver.get(demo.dashboard().toString());
                await().atMost(Duration.ofSeconds(20)).until(() -> driver.findElements(By.cssSelector("tr[data-agent-id]")).size(),
                        n -> n == demo.agentIds().size());
                @SuppressWarnings("unchecked")
                List<String> shown = (List<String>) ((JavascriptExecutor) driver).executeScript(
                        "return [...document.querySelectorAll('tr[data-agent-id]')].map(r => r.dataset.agentId);");
                assertThat(shown).containsExactlyInAnyOrderElementsOf(demo.agentIds());
                assertThat(status(driver, KILLED)).isEqualTo("HEALTHY");
                await().atMost(Duration.ofSeconds(10)).until(() -> driver.findElement(By.id("connection")).getText(), "live"::equals);
                ((JavascriptExecutor) driver).executeScript("window.pageMarker = 'not reloaded';");

                HttpResponse<String> killed = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        demo.base().resolve("/api/agents/" + KILLED + "/status"))
                        .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                        .PUT(HttpRequest.BodyPublishers.ofString("{\"status\":\"UNHEALTHY\",\"reason\":\"killed by the browser test\"}"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(killed.statusCode()).isEqualTo(200);

                await().atMost(Duration.ofSeconds(10)).until(() -> status(driver, KILLED), "UNHEALTHY"::equals);
                assertThat(((JavascriptExecutor) driver).executeScript("return window.pageMarker;")).isEqualTo("not reloaded");
                assertThat(text(driver, "#capabilities h2:nth-of-type(3)")).as("the heading counts the routable agents")
                        .isEqualTo("route-planning — 2 of 3 routable");
                // Let a stats push fill in throughput and p99 before the picture is taken.
                await().atMost(Duration.ofSeconds(10)).until(() -> text(driver, "tr[data-agent-id='cert-jakim-1'] .p99"),
                        p99 -> p99 != null && p99.matches("[0-9.]+"));

                Path shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath();
                Path target = Path.of("target", "dashboard-browser-test.png");
                Files.createDirectories(target.getParent());
                Files.copy(shot, target, StandardCopyOption.REPLACE_EXISTING);
                assertThat(Files.size(target)).isGreaterThan(10_000);
            } finally {
                driver.quit();
                service.stop();
            }
        }
    }

    private static String status(WebDriver driver, String agentId) {
        return text(driver, "tr[data-agent-id='" + agentId + "'] .status");
    }

    /** The text of the first element matching {@code css}, or null; read in one script, as the page re-renders its tables live. */
    private static String text(WebDriver driver, String css) {
        Object text = ((JavascriptExecutor) driver).executeScript(
                "const e = document.querySelector(arguments[0]); return e ? e.textContent : null;", css);
        return text == null ? null : text.toString();
    }
}
