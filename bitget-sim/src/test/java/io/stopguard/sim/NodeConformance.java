package io.stopguard.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs one of conformance/'s Node scripts (a third-party client, unchanged but for its URL) against
 * a fresh simulator with conformance/sim-scenario.yaml. Skipped, loudly, without Node or without
 * {@code npm ci --prefix conformance}.
 */
final class NodeConformance {
  static final Path DIR = Path.of("..", "conformance").toAbsolutePath().normalize();

  private NodeConformance() {}

  /** The script's output; the script must exit 0 and print none of "FAIL". */
  static String run(String script, String npmPackage) throws Exception {
    if (!Files.isDirectory(DIR.resolve("node_modules").resolve(npmPackage))) {
      System.err.println("!!! conformance/node_modules/" + npmPackage + " missing: SKIPPING " + script
          + " (run: npm ci --prefix conformance) !!!");
      Assumptions.abort("npm ci --prefix conformance has not been run");
    }
    Scenario scenario = Scenario.load(DIR.resolve("sim-scenario.yaml"));
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(scenario), 0)) {
      Process p;
      try {
        p = new ProcessBuilder("node", script, sim.baseUrl().toString()).directory(DIR.toFile()).redirectErrorStream(true).start();
      } catch (IOException e) {
        System.err.println("!!! node not found: SKIPPING " + script + " !!!");
        Assumptions.abort("node not installed");
        return "";
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(out).isZero();
      assertThat(out).doesNotContain("FAIL");
      return out;
    }
  }
}
