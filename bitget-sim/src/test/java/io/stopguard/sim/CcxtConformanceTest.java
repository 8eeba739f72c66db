package io.stopguard.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Stock ccxt (npm, version pinned in conformance/package.json), through its unified API only, against
 * the simulator: loadMarkets, balance, ticker, mark price, leverage, positions, stop-loss orders in
 * one-way and hedge mode, trigger orders, market and limit orders. Only ccxt's URLs are changed.
 */
class CcxtConformanceTest {
  @Test
  void stockCcxtWorksAgainstTheSimulatorThroughItsUnifiedApi() throws Exception {
    assertThat(NodeConformance.run("ccxt.mjs", "ccxt"))
        .contains("ok   loadMarkets", "ok   createOrder with stopLossPrice (one-way)", "ok   hedge mode", "ok   setLeverage");
  }
}
