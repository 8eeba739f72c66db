package io.stopguard.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stopguard.TestScenarios;
import io.stopguard.alert.Alerting;
import io.stopguard.check.CheckService;
import io.stopguard.check.StopLossCheck;
import io.stopguard.status.StatusServer;
import io.stopguard.guard.WatchSettings;
import io.stopguard.guard.Timebase;
import io.stopguard.guard.Watcher;
import io.stopguard.incident.IncidentLog;
import io.stopguard.metrics.StopguardMetrics;
import io.stopguard.risk.Policy;
import io.stopguard.sim.Scenario;
import io.stopguard.sim.SimExchange;
import io.stopguard.sim.SimServer;
import io.stopguard.store.SecretBox;
import io.stopguard.store.Store;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The status page in a real browser (Debian's chromium through its chromedriver, headless): a
 * stop cancelled in the simulator turns its row MISSING without a reload, the guard's restore turns
 * it back, the timeline shows the time to restore; with a token nothing is served without it.
 * Writes the screenshot README shows (docs/img/status.png) when it is missing or with
 * -Dstopguard.screenshot=update.
 */
class StatusPageBrowserTest {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final String SCENARIO = TestScenarios.text("runbook-user-protected-and-a-hedge-account");

  @TempDir
  Path dir;
  SimServer sim;
  final List<AutoCloseable> toClose = new ArrayList<>();
  WebDriver browser;

  @BeforeEach
  void start() {
    if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
      System.err.println("!!! /usr/bin/chromium or /usr/bin/chromedriver missing: SKIPPING the status page browser test"
          + " (apt-get install chromium chromium-driver; .ci/run does) !!!");
      Assumptions.abort("chromium not installed");
    }
    sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(SCENARIO)), 0);
  }

  @AfterEach
  void stop() throws Exception {
    if (browser != null) browser.quit();
    for (AutoCloseable c : toClose.reversed()) c.close();
    if (sim != null) sim.close();
  }

  /** A guard with its status server, as `watch` wires them; {@code auth} null for the open 127.0.0.1 page. */
  StatusServer guard(Auth auth, String language) {
    Store store = Store.open(dir.resolve("trading.db"), SecretBox.fromEnvOrFile(Map.of(), dir.resolve("master.key")));
    store.keys().put("556251171", "bitget", "bg_k1", "s1", "p1", false);
    store.keys().put("700100", "bitget", "bg_k2", "s2", "p2", false);
    StopLossCheck check = new StopLossCheck(sim.baseUrl(), Duration.ofSeconds(5), 8, Policy.DEFAULT);
    Alerting alerting = Alerting.console(new PrintStream(new ByteArrayOutputStream(), true), "ru");
    StopguardMetrics metrics = new StopguardMetrics();
    CheckService service = new CheckService(store, check, Policy.DEFAULT, alerting, metrics, null,
        new IncidentLog(dir.resolve("docs/incident_log.md")), Clock.systemUTC());
    WatchSettings settings = WatchSettings.DEFAULT.withRestore(WatchSettings.Restore.ON)
        .withGrace(Duration.ofMillis(3000)).withInterval(Duration.ofMillis(2000)).withParallelism(8);
    Watcher w = Watcher.builder(store, check, service).alerting(alerting).metrics(metrics).settings(settings).webSocket(sim.webSocketUrl()).time(Timebase.system()).build();
    EquityCache equity = new EquityCache(w::client, Timebase.system());
    StatusPage page = new StatusPage(new StatusModel(w::snapshot, w::summary, store, equity, Clock.systemUTC(), "test-host")
        .withShownAccounts(equity::want),
        new Labels(language), auth, Timebase.system());
    StatusServer server = new StatusServer(new InetSocketAddress("127.0.0.1", 0), metrics.registry(), () -> Health.of(w.summary(), w.health()),
        page.handlers(), auth, null);
    toClose.add(store);
    toClose.add(check);
    toClose.add(w);
    toClose.add(equity);
    toClose.add(page);
    toClose.add(server);
    w.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> w.health().stream().allMatch(a -> a.lastReconcile() != null));
    return server;
  }

  WebDriver browser(int width, int height) {
    ChromeOptions o = new ChromeOptions();
    o.setBinary(CHROMIUM.toFile());
    o.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
        "--window-size=" + width + "," + height);
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).build();
    browser = new ChromeDriver(service, o);
    return browser;
  }

  /** The row's verdict; rows are swapped in place as events arrive, so a row found a moment ago may be gone: look again. */
  String verdict(WebDriver b, String position) {
    for (int i = 0; ; i++) {
      try {
        return b.findElement(By.cssSelector("tr[data-position='" + position + "']")).getAttribute("data-verdict");
      } catch (StaleElementReferenceException | NoSuchElementException e) {
        if (i >= 20) throw e;
      }
    }
  }

  /**
   * The last row's stop is cancelled: without a reload its row turns MISSING and moves to row 1,
   * with the command that fixes it; the header agrees; the restore turns it back; the timeline
   * shows the times. The page is English by default, every word of it (no Cyrillic anywhere).
   */
  @Test
  void aCancelledStopTurnsItsRowMissingAndFirstLiveAndTheRestoreTurnsItBack() throws Exception {
    StatusServer server = guard(null, "en");
    WebDriver b = browser(1280, 1000);
    b.get("http://127.0.0.1:" + server.port() + "/");
    String last = "700100:BTCUSDT:LONG";
    assertThat(verdict(b, last)).isEqualTo("PROTECTED");
    assertThat(b.findElements(By.cssSelector("#rows tr")).getLast().getAttribute("data-position")).as("the last row").isEqualTo(last);
    assertThat(b.findElement(By.cssSelector("[data-figure='bare']")).getText()).isEqualTo("0");
    ((JavascriptExecutor) b).executeScript("window.notReloaded = true;");
    await().atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> !b.findElement(By.id("ping")).getText().isEmpty()
        && b.findElement(By.id("stale")).getAttribute("hidden") != null);

    sim.exchange().cancelStopsFromOutside("700100", "BTCUSDT", "long");
    long cancelled = System.currentTimeMillis();
    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).until(() -> "MISSING".equals(verdict(b, last)));
    long seen = System.currentTimeMillis() - cancelled;
    // bare first, live: the row moved from last to first, with its reason and the command that fixes it
    await().atMost(Duration.ofSeconds(3)).ignoreExceptions().untilAsserted(() -> {
      assertThat(b.findElement(By.cssSelector("#rows tr")).getAttribute("data-position")).isEqualTo(last);
      assertThat(b.findElement(By.cssSelector("#rows tr")).getText()).contains("MISSING").contains("no stop-loss order")
          .contains("Fix: ./stopguard stop-orders --user 700100 --symbol BTCUSDT --direction LONG --dry-run");
    });
    await().atMost(Duration.ofSeconds(3)).ignoreExceptions()
        .until(() -> b.findElement(By.cssSelector("[data-figure='bare']")).getText().equals("1"));
    await().atMost(Duration.ofSeconds(3)).ignoreExceptions().untilAsserted(() -> {
      assertThat(b.findElement(By.tagName("h1")).getText()).contains("unprotected");
      assertThat(b.findElement(By.tagName("body")).getText()).as("one language: no Cyrillic").doesNotContainPattern("\\p{IsCyrillic}");
    });
    screenshot(b);

    await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100)).until(() -> "PROTECTED".equals(verdict(b, last)));
    await().atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> b.findElement(By.cssSelector("[data-incident='" + last + "']"))
        .getAttribute("data-state").equals("restored"));
    await().atMost(Duration.ofSeconds(3)).ignoreExceptions().untilAsserted(() -> {
      assertThat(b.findElement(By.cssSelector("[data-incident='" + last + "'] .ttr")).getText()).matches("time to restore: (< )?\\d+\\.\\d s");
      // Time to detect from Bitget's own time of the cancel (the orders-algo push): exact, not a bound.
      assertThat(b.findElement(By.cssSelector("[data-incident='" + last + "'] .ttd")).getText()).matches("time to detect: (< )?\\d+\\.\\d s");
      assertThat(b.findElement(By.cssSelector("[data-incident='" + last + "'] .audit")).getText()).contains("the stop seen on the position at");
      assertThat(b.findElement(By.tagName("body")).getText()).doesNotContainPattern("\\p{IsCyrillic}");
    });
    assertThat(((JavascriptExecutor) b).executeScript("return window.notReloaded === true;")).as("no reload").isEqualTo(true);
    assertThat(sim.exchange().countPlans("700100", "BTCUSDT", "long", "pos_loss")).isEqualTo(1);
    System.err.println("status page: a cancelled stop showed as MISSING in the browser " + seen + " ms after the cancel");
  }

  @Test
  void aLostEventStreamShowsTheStaleBannerAndThePageWorksWithoutJavaScript() throws Exception {
    StatusServer server = guard(null, "en");
    HttpResponse<String> plain = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + server.port() + "/?verdict=PROTECTED")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(plain.body()).contains("data-position=\"700100:BTCUSDT:LONG\"").contains("data-verdict=\"PROTECTED\"")
        .contains("Every position has a stop-loss");
    assertThat(plain.headers().firstValue("Content-Security-Policy").orElse("")).contains("script-src 'self'")
        .contains("frame-ancestors 'none'");
    WebDriver b = browser(390, 844); // a phone
    b.get("http://127.0.0.1:" + server.port() + "/");
    await().atMost(Duration.ofSeconds(5)).until(() -> !b.findElement(By.id("ping")).getText().isEmpty());
    server.close(); // the stream breaks and cannot reconnect
    await().atMost(Duration.ofSeconds(10)).until(() -> b.findElement(By.id("stale")).isDisplayed());
    assertThat(b.findElement(By.id("stale")).getText()).contains("Stale").contains("UTC");
  }

  @Test
  void withATokenNothingIsServedWithoutIt() throws Exception {
    StatusServer server = guardWithToken("ru");
    HttpClient http = HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + server.port();
    for (String path : List.of("/", "/events", "/metrics", "/health", "/account?user=556251171")) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(path).isEqualTo(401);
      assertThat(r.body()).doesNotContain("556251171:");
    }
    HttpResponse<String> bearer = http.send(HttpRequest.newBuilder(URI.create(base + "/health"))
        .header("Authorization", "Bearer a-long-enough-test-token-0123").build(), HttpResponse.BodyHandlers.ofString());
    assertThat(bearer.statusCode()).isEqualTo(200);
    WebDriver b = browser(1280, 900);
    b.get(base + "/");
    assertThat(b.getCurrentUrl()).endsWith("/login");
    b.findElement(By.name("token")).sendKeys("wrong-token-wrong-token");
    b.findElement(By.cssSelector("button[type=submit]")).click();
    // the click starts a navigation; reading the page at once can still see the old login form
    await().atMost(Duration.ofSeconds(5)).until(() -> b.getPageSource().contains("Неверный токен"));
    assertThat(b.getPageSource()).doesNotContain("data-position");
    b.findElement(By.name("token")).sendKeys("a-long-enough-test-token-0123");
    b.findElement(By.cssSelector("button[type=submit]")).click();
    await().atMost(Duration.ofSeconds(5)).until(() -> !b.findElements(By.cssSelector("tr[data-position]")).isEmpty());
    var cookie = b.manage().getCookieNamed(Auth.COOKIE);
    assertThat(cookie.isHttpOnly()).isTrue();
    assertThat(cookie.getSameSite()).isEqualTo("Strict");
    assertThat(cookie.getValue()).doesNotContain("a-long-enough-test-token");
  }

  /** A guard whose server wants the token {@code a-long-enough-test-token-0123}. */
  StatusServer guardWithToken(String language) throws Exception {
    Path tokenFile = dir.resolve("token");
    Files.writeString(tokenFile, "a-long-enough-test-token-0123\n");
    return guard(Auth.fromFile(tokenFile), language);
  }

  /** Guessing the token is throttled: after 5 wrong ones an address is refused (429) before any comparison. */
  @Test
  void wrongTokensAreThrottled() throws Exception {
    StatusServer server = guardWithToken("en");
    HttpClient http = HttpClient.newHttpClient();
    Function<String, Integer> login = token -> {
      try {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/login"))
            .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString("token=" + token))
            .build(), HttpResponse.BodyHandlers.ofString()).statusCode();
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    };
    for (int i = 0; i < StatusPage.LOGIN_TRIES; i++) assertThat(login.apply("wrong-guess-" + i)).isEqualTo(401);
    assertThat(login.apply("wrong-guess-again")).isEqualTo(429);
    assertThat(login.apply("a-long-enough-test-token-0123")).as("refused before any comparison while throttled").isEqualTo(429);
  }

  /** A session lasts 12 hours (an expired one is refused, a forged expiry too) and /logout drops it. */
  @Test
  void sessionsExpireAndLogoutDropsThem() throws Exception {
    Path tokenFile = dir.resolve("token");
    Files.writeString(tokenFile, "a-long-enough-test-token-0123\n");
    Auth auth = Auth.fromFile(tokenFile);
    StatusServer server = guard(auth, "en");
    HttpClient http = HttpClient.newHttpClient();
    Function<String, Integer> health = cookie -> {
      try {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/health"))
            .header("Cookie", Auth.COOKIE + "=" + cookie).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    };
    long now = Instant.now().getEpochSecond();
    assertThat(health.apply(auth.sessionValue(now + 3600))).isEqualTo(200);
    assertThat(health.apply(auth.sessionValue(now - 1))).as("expired").isEqualTo(401);
    String good = auth.sessionValue(now + 3600);
    assertThat(health.apply((now + 999_999) + good.substring(good.indexOf('.')))).as("a forged expiry").isEqualTo(401);
    HttpResponse<String> in = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/login"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("token=a-long-enough-test-token-0123")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(in.headers().firstValue("Set-Cookie").orElse("")).contains("Max-Age=43200").contains("HttpOnly");
    HttpResponse<String> out = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/logout")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(out.statusCode()).isEqualTo(303);
    assertThat(out.headers().firstValue("Set-Cookie").orElse("")).contains(Auth.COOKIE + "=;").contains("Max-Age=0");
  }

  private void screenshot(WebDriver b) throws Exception {
    byte[] png = ((TakesScreenshot) b).getScreenshotAs(OutputType.BYTES);
    Files.write(Path.of("target", "status.png"), png);
    Path docs = Path.of("..", "docs", "img", "status.png");
    if (!Files.exists(docs) || "update".equals(System.getProperty("stopguard.screenshot"))) {
      Files.createDirectories(docs.getParent());
      Files.write(docs, png);
    }
  }
}
