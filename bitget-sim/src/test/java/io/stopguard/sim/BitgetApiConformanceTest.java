package io.stopguard.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A widely used third-party client (npm bitget-api, RestClientV2) against the simulator, unchanged
 * except for its base URL. See conformance/README.md.
 */
class BitgetApiConformanceTest {
  static final Path DIR = Path.of("..", "conformance").toAbsolutePath().normalize();

  @Test
  void bitgetApiNpmClientWorksAgainstTheSimulator() throws Exception {
    if (!Files.isDirectory(DIR.resolve("node_modules/bitget-api"))) {
      System.err.println("!!! conformance/node_modules missing: SKIPPING the bitget-api conformance test"
          + " (run: npm ci --prefix conformance) !!!");
      Assumptions.abort("npm ci --prefix conformance has not been run");
    }
    Scenario scenario = Scenario.load(DIR.resolve("sim-scenario.yaml"));
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(scenario), 0)) {
      Process p;
      try {
        p = new ProcessBuilder("node", "bitget-api.mjs", sim.baseUrl().toString()).directory(DIR.toFile())
            .redirectErrorStream(true).start();
      } catch (java.io.IOException e) {
        System.err.println("!!! node not found: SKIPPING the bitget-api conformance test !!!");
        Assumptions.abort("node not installed");
        return;
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(out).isZero();
      assertThat(out).contains("ok   place a pos_loss", "ok   a bad signature is rejected with Bitget's code")
          .doesNotContain("FAIL");
    }
  }
}
