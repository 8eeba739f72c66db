package io.stopguard.cli;

import com.fasterxml.jackson.databind.SerializationFeature;
import io.stopguard.bitget.BitgetClient;
import io.stopguard.bitget.BitgetWebSocket;
import io.stopguard.probe.Finding;
import io.stopguard.probe.Probe;
import io.stopguard.probe.ProbeRecord;
import io.stopguard.probe.ProbeRefusal;
import io.stopguard.probe.ProbeReport;
import io.stopguard.store.ExchangeKey;
import io.stopguard.store.Store;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "probe",
    header = "Find out, on a demo account, what Bitget does where its docs are silent.",
    mixinStandardHelpOptions = true,
    description = {
        "Runs a short scripted sequence on one symbol of a DEMO account and reports, for every",
        "unknown in bitget-sim/FIDELITY.md, what Bitget answered and which simulator variant that is:",
        "opens the smallest position, places a pos_loss and a second one, reads the plan lists",
        "(side, size, symbol case), modifies, cancels without and with planType, cancels an unknown",
        "id, reuses a clientOid, watches the private WebSocket, resizes and closes the position with",
        "the stop in place. It always cleans up (also on Ctrl-C or a failed step) and says what it",
        "could not remove. On demo trading it costs nothing. See docs/PROBE.md.",
        "",
        "Example:",
        "  stopguard probe --user 556251171 --symbol BTCUSDT",
        "",
        "The report is kept in HOME/probes/ (watch --restore on warns while there is none).",
        "Exit codes: 0 stopguard is tested for every observed behaviour, 1 a behaviour it is not",
        "tested for (report it with --json), 2 refused (live key, symbol in use), 3 could not",
        "complete or clean up.",
    })
final class ProbeCommand implements Callable<Integer> {
  private final Cli cli;

  @Mixin
  HomeOptions home;

  @Mixin
  ExchangeOptions exchange;

  @Option(names = "--user", required = true, paramLabel = "ID", description = "The user whose (demo) key to use.")
  String user;

  @Option(names = "--symbol", paramLabel = "SYMBOL", defaultValue = "BTCUSDT",
      description = "A symbol the account holds nothing on (default: ${DEFAULT-VALUE}).")
  String symbol;

  @Option(names = "--observe", paramLabel = "SECONDS", defaultValue = "10",
      description = "How long to watch the WebSocket while nothing is done (default: ${DEFAULT-VALUE}).")
  int observeSeconds;

  @Option(names = "--json", description = "Print the whole report as JSON: findings, every request and answer, pushes.")
  boolean json;

  @Option(names = "--live-i-understand",
      description = "Allow a LIVE key: the probe then trades only the smallest allowed size and skips the resize step.")
  boolean liveIUnderstand;

  @Option(names = "--ws-url", paramLabel = "URL",
      description = "Private WebSocket URL. Default: $STOPGUARD_BITGET_WS_URL, else derived from the REST base URL.")
  String wsUrl;

  ProbeCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() throws IOException {
    if (observeSeconds < 1 || observeSeconds > 600) throw new UsageException("--observe must be 1..600 seconds");
    String sym = symbol.toUpperCase(Locale.ROOT);
    ExchangeKey key;
    try (Store store = home.openStore(cli)) {
      key = Accounts.oneKey(store, user);
    }
    if (!key.demoTrading() && !liveIUnderstand) {
      throw new UsageException("user " + user + "'s key is a LIVE key; the probe opens and closes a position. Use a demo key"
          + " (docs/PROBE.md: how to get one), or --live-i-understand to trade only the smallest size");
    }
    var check = exchange.check(cli, home, home.config(cli).riskPolicy());
    BitgetClient client = check.client(key);
    client.syncClock();
    URI base = exchange.baseUrl(cli);
    String override = wsUrl != null ? wsUrl : cli.env("STOPGUARD_BITGET_WS_URL");
    URI ws = override == null && key.demoTrading() && base.getHost().endsWith("bitget.com") ? BitgetWebSocket.DEMO_URL
        : ExchangeOptions.webSocketUrl(base, override);
    Probe probe = new Probe(client, key.credentials(), ws, new Probe.Settings(sym, observeSeconds * 1000L, !key.demoTrading()),
        line -> cli.err().println("probe: " + line));
    Thread hook = new Thread(() -> {
      probe.abort();
      ProbeReport r = probe.report();
      cli.err().println("probe: interrupted; " + (r.leftovers().isEmpty() ? "cleaned up: nothing left on " + sym
          : "LEFT BEHIND: " + String.join("; ", r.leftovers())));
      cli.err().flush();
    }, "probe-interrupted");
    Runtime.getRuntime().addShutdownHook(hook);
    ProbeReport report;
    try {
      report = probe.run();
    } catch (ProbeRefusal r) {
      throw new UsageException(r.getMessage());
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running: it reports
      }
    }
    String text = Json.MAPPER.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report);
    Path file = ProbeRecord.file(home.home(cli), base, key.demoTrading());
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
    if (json) {
      cli.out().println(text);
    } else {
      cli.out().println("probe of " + sym + " (" + (key.demoTrading() ? "demo" : "LIVE") + ", " + base.getHost() + "):");
      for (Finding f : report.findings()) {
        cli.out().printf("  %-24s %-28s %s%n", f.unknown(), f.variant() == null ? "NOT MODELLED" : f.variant(), f.observed());
      }
      cli.out().println("report: " + file);
    }
    (json ? cli.err() : cli.out()).println(report.verdict()); // --json: stdout is the document alone
    if (!report.leftovers().isEmpty()) return ExitCodes.INCOMPLETE;
    if (!report.untested().isEmpty()) return ExitCodes.UNPROTECTED;
    return report.findings().stream().anyMatch(f -> f.unknown().equals("error")) ? ExitCodes.INCOMPLETE : ExitCodes.OK;
  }
}
