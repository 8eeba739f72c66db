package io.stopguard.cli;

import io.stopguard.alert.Alerting;
import io.stopguard.check.CheckReport;
import io.stopguard.check.CheckService;
import io.stopguard.check.StopLossCheck;
import io.stopguard.guard.WatchSettings;
import io.stopguard.guard.Timebase;
import io.stopguard.guard.Watcher;
import io.stopguard.incident.IncidentLog;
import io.stopguard.metrics.StopguardMetrics;
import io.stopguard.risk.Policy;
import io.stopguard.sim.Scenario;
import io.stopguard.sim.SimServer;
import io.stopguard.store.SecretBox;
import io.stopguard.store.Store;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/** The demo itself (see {@link DemoCommand}): simulator, check, guard, restore, in one process. */
final class DemoStory {
  private final Cli cli;

  private final Path home;
  private final boolean noColor;

  DemoStory(Cli cli, Path home, boolean noColor) {
    this.cli = cli;
    this.home = home;
    this.noColor = noColor;
  }

  static Scenario demoScenario() {
    try (InputStream in = DemoStory.class.getResourceAsStream("demo-scenario.yaml")) {
      return Scenario.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private boolean color;

  private String c(String code, String text) {
    return color ? "\u001b[" + code + "m" + text + "\u001b[0m" : text;
  }

  private void step(int n, String title) {
    cli.out().println();
    cli.out().println(c("1;36", "[" + n + "/5] " + title));
  }

  int call() throws Exception {
    color = !noColor && cli.interactive() && cli.env("NO_COLOR") == null && !"dumb".equals(cli.env("TERM"));
    PrintStream out = cli.out();
    long t0 = System.nanoTime();
    Scenario scenario = demoScenario();
    Path dir = home != null ? home : Files.createTempDirectory("stopguard-demo-");
    Files.createDirectories(dir);
    try {
      return run(out, t0, scenario, dir);
    } finally {
      if (home == null) deleteTree(dir);
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // Best effort: a leftover temporary directory is untidy, not harmful.
    }
  }

  private int run(PrintStream out, long t0, Scenario scenario, Path dir) throws Exception {
    Path metricsFile = dir.resolve(Services.METRICS_FILE);
    Path incidentLog = dir.resolve("docs/incident_log.md");
    try (SimServer sim = SimServer.start(scenario, 0);
        Store store = Store.open(dir.resolve("trading.db"), SecretBox.fromEnvOrFile(Map.of(), dir.resolve("master.key")))) {
      out.println(c("1", "stopguard demo") + " — a simulated Bitget, three users, five open positions.");
      out.println("  simulator  " + sim.baseUrl() + " (REST) and " + sim.webSocketUrl() + " (private WebSocket), in-process");
      out.println("  home       " + dir + " (trading.db, logs/, metrics/, docs/" + (home == null ? "; removed at the end)" : ")"));
      for (Scenario.AccountSpec a : scenario.accounts()) {
        store.keys().put(a.uid(), "bitget", a.apiKey(), a.secretKey(), a.passphrase(), false);
      }
      out.println("  keys       " + scenario.accounts().size() + " users' Bitget keys stored AES-GCM encrypted");

      // 1. The check: finds the bare position, raises the flag, alerts.
      step(1, "stopguard check — is every position protected?");
      Alerting alerting = Alerting.console(out, "ru");
      StopguardMetrics metrics = new StopguardMetrics();
      StopLossCheck check = new StopLossCheck(sim.baseUrl(), Duration.ofSeconds(5), 8, Policy.DEFAULT);
      CheckService service = new CheckService(store, check, Policy.DEFAULT, alerting, metrics, metricsFile,
          new IncidentLog(incidentLog), Clock.systemUTC());
      out.println(c("2", "  (the alert that would go to Telegram:)"));
      CheckReport report = service.run().report();
      out.println(c("1;31", report.summaryLine()) + "   exit code 1");
      store.flag(Store.FLAG_STOPLOSS_MISSING).ifPresent(f ->
          out.println("  risk_flags: " + f.flag() + " = " + c("1;31", Integer.toString(f.value()))));

      // 2. The guard restores it.
      step(2, "stopguard watch --restore on — the guard restores it after a short grace period");
      WatchSettings settings = WatchSettings.DEFAULT.withRestore(WatchSettings.Restore.ON)
          .withGrace(Duration.ofMillis(500)).withParallelism(8);
      try (Watcher watcher = Watcher.builder(store, check, service).alerting(alerting).metrics(metrics).settings(settings).webSocket(sim.webSocketUrl()).time(Timebase.system()).build()) {
        long w0 = System.nanoTime();
        watcher.start();
        boolean restored = waitFor(() -> sim.exchange().countPlans("556251171", "BTCUSDT", "long", "pos_loss") == 1
            && flagIs(store, 0), Duration.ofSeconds(10));
        if (!restored) {
          cli.err().println("stopguard demo: the guard did not restore the stop in 10 s (see above)");
          return ExitCodes.INCOMPLETE;
        }
        out.println(c("1;32", "  restored and confirmed in orders-plan-pending") + " after "
            + ms(w0) + " (grace 500 ms included); flag back to 0");
        printAudit(store, out);

        // 3. Someone cancels it on Bitget's UI: pushed over the WebSocket, restored at once.
        step(3, "a human cancels that stop on Bitget — the push arrives, the guard puts it back");
        waitFor(() -> watcher.health().stream().allMatch(a -> "live".equals(a.webSocket())), Duration.ofSeconds(5));
        Thread.sleep(300);
        long c0 = System.nanoTime();
        sim.exchange().cancelStopsFromOutside("556251171", "BTCUSDT", "long");
        out.println("  stop cancelled \"from outside\" at +0 ms");
        boolean again = waitFor(() -> sim.exchange().countPlans("556251171", "BTCUSDT", "long", "pos_loss") == 1,
            Duration.ofSeconds(10));
        String took = ms(c0);
        waitFor(() -> flagIs(store, 0), Duration.ofSeconds(5));
        out.println((again ? c("1;32", "  back on the exchange after " + took) : c("1;31", "  NOT restored"))
            + " (detection by push + 500 ms grace + placement + confirmation)");
      }

      // 4. The check agrees; metrics and the incident log.
      step(4, "stopguard check — all protected; metrics and incident log");
      CheckReport after = service.run().report();
      out.println(c("1;32", after.summaryLine()) + "   exit code " + (after.unprotected().isEmpty() ? 0 : 1));
      for (String line : Files.readAllLines(metricsFile)) {
        if (line.startsWith("bitget_stoploss_missing ") || line.startsWith("stopguard_open_incidents ")) {
          out.println("  " + Services.METRICS_FILE + ": " + line);
        }
      }
      List<String> log = Files.exists(incidentLog) ? Files.readAllLines(incidentLog) : List.of();
      int last = -1;
      for (int i = 0; i < log.size(); i++) if (log.get(i).startsWith("## ")) last = i;
      out.println("  docs/incident_log.md, latest entry:");
      for (int i = Math.max(0, last); i < log.size() && last >= 0; i++) {
        if (!log.get(i).isBlank()) out.println("    " + log.get(i));
      }

      step(5, "what to run next");
      out.println("  ./stopguard --help                        every command; each has --help");
      out.println("  ./stopguard sim --port 0                  this simulator, standalone, for drills (first line: its URL)");
      out.println("  STOPGUARD_BITGET_BASE_URL=<that URL> ./stopguard watch --restore dry-run");
      if (home != null) out.println("  sqlite3 " + dir.resolve("trading.db") + " \"SELECT * FROM incidents;\"");
      else out.println("  ./stopguard demo --home DIR               keeps the demo's trading.db, logs/ and docs/ to look at");
      out.println("  docs/RUNBOOK.md                           the on-call runbook (ru) with these commands");
      out.println();
      out.println(c("2", "demo finished in " + ms(t0)));
      return after.unprotected().isEmpty() ? ExitCodes.OK : ExitCodes.INCOMPLETE;
    }
  }

  private static boolean flagIs(Store store, int value) {
    return store.flag(Store.FLAG_STOPLOSS_MISSING).map(f -> f.value() == value).orElse(false);
  }

  private static void printAudit(Store store, PrintStream out) {
    for (var e : store.journal().auditLog("556251171")) {
      if (!"ok".equals(e.result())) continue;
      out.println("  audit_log: " + e.actor() + " " + e.action() + " " + e.planType() + " " + e.symbol() + " " + e.holdSide()
          + " trigger " + e.triggerPrice() + " orderId " + e.orderId() + " clientOid " + e.clientOid());
    }
  }

  private static boolean waitFor(BooleanSupplier condition, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < end) {
      if (condition.getAsBoolean()) return true;
      Thread.sleep(10);
    }
    return condition.getAsBoolean();
  }

  private static String ms(long sinceNanos) {
    return ((System.nanoTime() - sinceNanos) / 1_000_000) + " ms";
  }
}
