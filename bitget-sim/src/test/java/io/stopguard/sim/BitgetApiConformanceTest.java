package io.stopguard.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * A widely used third-party client (npm bitget-api, RestClientV2) against the simulator, unchanged
 * except for its base URL. See conformance/README.md.
 */
class BitgetApiConformanceTest {
  @Test
  void bitgetApiNpmClientWorksAgainstTheSimulator() throws Exception {
    assertThat(NodeConformance.run("bitget-api.mjs", "bitget-api"))
        .contains("ok   place a pos_loss", "ok   a bad signature is rejected with Bitget's code");
  }
}
