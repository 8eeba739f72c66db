package io.stopguard.cli;

import io.stopguard.sim.Scenario;
import io.stopguard.sim.SimServer;
import java.nio.file.Path;
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
        "  export STOPGUARD_BITGET_BASE_URL=$(stopguard sim --scenario drill.yaml --port 0 | head -1)",
        "Scenario format: see bitget-sim/README.md. Without --scenario the demo scenario is loaded.",
    })
final class SimCommand implements Callable<Integer> {
  private final Cli cli;

  @Option(names = "--scenario", paramLabel = "FILE", description = "Scenario file (YAML or JSON).")
  Path scenario;

  @Option(names = "--port", paramLabel = "N", defaultValue = "0",
      description = "Port on 127.0.0.1; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;

  SimCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() throws InterruptedException {
    if (port < 0 || port > 65535) throw new UsageException("--port must be 0..65535");
    Scenario s = scenario != null ? Scenario.load(scenario) : DemoCommand.demoScenario();
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
        + "; control API " + server.baseUrl() + "/_sim/state; Ctrl-C to stop");
    stopped.await();
    return ExitCodes.OK;
  }
}
