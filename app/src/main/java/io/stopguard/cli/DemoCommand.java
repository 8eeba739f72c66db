package io.stopguard.cli;

import io.stopguard.bitget.BitgetClient;
import io.stopguard.bitget.Credentials;
import io.stopguard.bitget.PlanOrder;
import io.stopguard.bitget.PlanType;
import io.stopguard.bitget.Position;
import io.stopguard.check.CheckReport;
import io.stopguard.check.StopLossCheck;
import io.stopguard.risk.Policy;
import io.stopguard.sim.Scenario;
import io.stopguard.sim.SimExchange;
import io.stopguard.sim.SimServer;
import io.stopguard.store.SecretBox;
import io.stopguard.store.Store;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo",
    mixinStandardHelpOptions = true,
    description = {
        "Show stopguard at work on a simulated Bitget, with nothing configured.",
        "",
        "Starts the simulator in-process with one protected and one unprotected position, stores the",
        "demo user's key in a fresh home directory, runs `stopguard check` against it and shows the",
        "finding and the risk flag. Your own trading.db is not touched.",
    })
final class DemoCommand implements Callable<Integer> {
  private final Cli cli;

  @Option(names = "--home", paramLabel = "DIR", description = "Home for the demo's files (default: a new temporary directory).")
  Path home;

  DemoCommand(Cli cli) {
    this.cli = cli;
  }

  static Scenario demoScenario() {
    try (InputStream in = DemoCommand.class.getResourceAsStream("demo-scenario.yaml")) {
      return Scenario.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public Integer call() throws IOException {
    var out = cli.out();
    Scenario scenario = demoScenario();
    Scenario.AccountSpec acct = scenario.accounts().get(0);
    Path dir = home != null ? home : Files.createTempDirectory("stopguard-demo-");
    Files.createDirectories(dir);
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(scenario), 0);
        Store store = Store.open(dir.resolve("trading.db"), SecretBox.fromEnvOrFile(Map.of(), dir.resolve("master.key")))) {
      out.println("stopguard demo: a simulated Bitget exchange, one user, two open positions.");
      out.println();
      out.println("  simulator  " + sim.baseUrl() + " (in-process, Bitget v2 REST)");
      out.println("  home       " + dir + " (trading.db, master.key)");
      store.putKey(acct.uid(), "bitget", acct.apiKey(), acct.secretKey(), acct.passphrase(), false);
      out.println("  key        user " + acct.uid() + ", bitget " + Credentials.maskKey(acct.apiKey())
          + " (stored AES-GCM encrypted)");
      out.println();

      BitgetClient client = BitgetClient.builder().baseUrl(sim.baseUrl())
          .credentials(new Credentials(acct.apiKey(), acct.secretKey(), acct.passphrase())).build();
      List<Position> positions = client.allPositions();
      List<PlanOrder> stops = client.pendingPlanOrders(PlanType.Query.PROFIT_LOSS, null);
      out.println("On the exchange:");
      for (Position p : positions) {
        String stop = stops.stream()
            .filter(o -> o.planType() == PlanType.POS_LOSS && o.isFor(p.symbol()))
            .map(o -> "stop-loss pos_loss @ " + o.triggerPrice().toPlainString() + " (" + o.triggerType() + ")")
            .findFirst().orElse("NO STOP-LOSS");
        out.printf("  %-9s %-5s %8s @ %-9s mark %-9s  %s%n", p.symbol(), p.holdSide().name(), p.total().toPlainString(),
            p.openPriceAvg().toPlainString(), p.markPrice().toPlainString(), stop);
      }
      out.println();

      out.println("$ stopguard check");
      CheckReport report = new StopLossCheck(sim.baseUrl(), Duration.ofSeconds(5), 4, Policy.DEFAULT).runAndRecord(store);
      int code = CheckCommand.report(cli, report, false);
      out.println("(exit code " + code + (code == ExitCodes.UNPROTECTED ? ": unprotected position found)" : ")"));
      out.println();

      out.println("$ sqlite3 trading.db \"SELECT * FROM risk_flags WHERE flag='bitget_stoploss_missing';\"");
      store.flag(Store.FLAG_STOPLOSS_MISSING).ifPresent(f ->
          out.println(f.flag() + "|" + f.value() + "|" + f.updatedAt() + "|" + f.detail()));
      out.println();
      out.println("The BTCUSDT long has no stop-loss: one price move from a total loss. The flag is raised.");
      out.println();
      out.println("Next:");
      out.println("  ./stopguard check --help                           the check, its exit codes and options");
      out.println("  ./stopguard keys add --help                        store a real key (secret via stdin or env)");
      out.println("  ./stopguard sim --scenario FILE --port 0           run the simulator for drills");
      out.println("  sqlite3 " + dir.resolve("trading.db") + " .tables");
      return code == ExitCodes.UNPROTECTED ? ExitCodes.OK : ExitCodes.INCOMPLETE;
    }
  }
}
