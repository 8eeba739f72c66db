package io.stopguard.cli;

import io.stopguard.sim.Fidelity;
import io.stopguard.sim.Scenario;
import io.stopguard.sim.SimServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "sim",
    header = "Run the local Bitget simulator (REST, WebSocket, control API) on 127.0.0.1.",
    mixinStandardHelpOptions = true,
    description = {
        "Run the local Bitget simulator on 127.0.0.1 until interrupted.",
        "",
        "The first line of output is the base URL. Point stopguard (or any Bitget client) at it:",
        "  ./stopguard sim --scenario examples/drill.yaml --port 8899 &",
        "  export STOPGUARD_BITGET_BASE_URL=http://127.0.0.1:8899",
        "",
        "Drill scenarios (a bare position, hedge mode, a wrong-side stop, a stop beyond liquidation):",
        "examples/, with the keys to import in examples/drill-keys.csv. Scenario format:",
        "bitget-sim/README.md. Without --scenario the demo scenario is loaded.",
        "",
        "Where Bitget's behaviour is unknown the simulator can play each answer (bitget-sim/FIDELITY.md):",
        "  --variant secondPosLoss=replace --variant oneWaySide=closing --variant posLossOnClose=keep",
        "  --variant positionsPushOnMark=no --variant ordersAlgoAction=snapshot --variant cancelUnknown=error",
        "  --variant duplicateClientOid=40757 --variant planSymbolCase=lower --variant requestSymbolCase=any",
        "  --variant posLossSize=sent --variant posLossOnResize=cancel",
    })
final class SimCommand implements Callable<Integer> {
  private final Cli cli;

  @Option(names = "--scenario", paramLabel = "FILE", description = "Scenario file (YAML or JSON).")
  Path scenario;

  @Option(names = "--port", paramLabel = "N", defaultValue = "0",
      description = "Port on 127.0.0.1; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--variant", paramLabel = "NAME=VALUE",
      description = "Play one of the plausible answers where Bitget's behaviour is unknown (repeatable; see FIDELITY.md).")
  List<String> variants = new ArrayList<>();

  SimCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() throws InterruptedException {
    if (port < 0 || port > 65535) throw new UsageException("--port must be 0..65535");
    return Serve.run(cli, scenario, port, variants);
  }

  /**
   * Kept out of {@link SimCommand} itself: picocli reflects over every command class at start, and
   * simulator types in its members (a lambda's included) would load simulator classes for every command.
   */
  private static final class Serve {
    static int run(Cli cli, Path scenario, int port, List<String> variants) throws InterruptedException {
      Scenario s = scenario != null ? Scenario.load(scenario) : DemoStory.demoScenario();
      Fidelity f = s.fidelity();
      for (String v : variants) {
        try {
          f = f.with(v);
        } catch (IllegalArgumentException e) {
          throw new UsageException("--variant: " + e.getMessage());
        }
      }
      s = s.with(f);
      SimServer server = SimServer.start(s, port);
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        cli.err().println("bitget-sim: stopping (signal received)");
        server.close();
        stopped.countDown();
      }, "sim-shutdown"));
      cli.out().println(server.baseUrl());
      cli.out().flush();
      cli.err().println("bitget-sim: " + s.accounts().size() + " account(s) on " + server.baseUrl()
          + (scenario != null ? " from " + scenario : " (demo scenario)") + "; WebSocket " + server.webSocketUrl()
          + "; control API " + server.baseUrl() + "/_sim/state" + (f.equals(Fidelity.DEFAULT) ? "" : "; variants " + f)
          + "; Ctrl-C to stop");
      stopped.await();
      return ExitCodes.OK;
    }
  }
}
