package io.streamgate.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/** Debian's headless Chromium driven by its chromedriver, for the console's browser tests; screenshots go to {@link #SCREENSHOTS}. */
public final class Chromium {
  private static final String BINARY = "/usr/bin/chromium";
  private static final String DRIVER = "/usr/bin/chromedriver";
  public static final Path SCREENSHOTS = Paths.get("target", "console-screenshots");

  private Chromium() {}

  /** A headless browser in a 1280×900 window; fails (not skips) when Chromium is not installed. */
  public static ChromeDriver start() {
    assertThat(Paths.get(BINARY)).as("Debian's chromium (apt-get install chromium chromium-driver; .ci/run does)").exists();
    assertThat(Paths.get(DRIVER)).as("Debian's chromium-driver").exists();
    ChromeOptions options = new ChromeOptions().setBinary(BINARY)
        .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--hide-scrollbars",
            "--window-size=1280,900", "--lang=en-US");
    // Both paths given, so Selenium Manager never looks for (or downloads) a browser or a driver.
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(Paths.get(DRIVER).toFile())
        .usingAnyFreePort().build();
    return new ChromeDriver(service, options);
  }

  public static void screenshot(ChromeDriver driver, String name) {
    try {
      Files.createDirectories(SCREENSHOTS);
      Files.write(SCREENSHOTS.resolve(name + ".png"), driver.getScreenshotAs(OutputType.BYTES));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The text of the first element {@code css} finds, "" if none; read in one script, so never stale. */
  public static String text(WebDriver driver, String css) {
    return (String) ((JavascriptExecutor) driver).executeScript(
        "const e = document.querySelector(arguments[0]); return e ? e.innerText : ''", css);
  }

  /** Goes to a console route ({@code #/...}) and waits for its view's first content. */
  public static void open(WebDriver driver, String base, String route) {
    driver.get(base + "/console/" + route);
    new org.openqa.selenium.support.ui.WebDriverWait(driver, java.time.Duration.ofSeconds(15))
        .until(d -> ((JavascriptExecutor) d).executeScript("return document.querySelector('main').childElementCount > 0").equals(true));
  }
}
