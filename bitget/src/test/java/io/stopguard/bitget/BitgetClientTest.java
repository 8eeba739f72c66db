package io.stopguard.bitget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stopguard.sim.Scenario;
import io.stopguard.sim.SimExchange;
import io.stopguard.sim.SimServer;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client against the simulator over real HTTP on 127.0.0.1. */
class BitgetClientTest {
  static final String SCENARIO = """
      accounts:
        - uid: "9001"
          apiKey: bg_k1
          secretKey: s1
          passphrase: p1
          posMode: one_way_mode
          positions:
            - {symbol: DASHUSDT, holdSide: short, total: "0.21", openPriceAvg: "68.10", leverage: 10, marginMode: isolated}
            - {symbol: BTCUSDT, holdSide: long, total: "0.0150", openPriceAvg: "94000.0", leverage: 20}
          planOrders:
            - {symbol: DASHUSDT, planType: pos_loss, holdSide: short, triggerPrice: "70.43", triggerType: mark_price}
        - uid: "9002"
          apiKey: bg_k2
          secretKey: s2
          passphrase: p2
          posMode: hedge_mode
          positions:
            - {symbol: ETHUSDT, holdSide: long, total: "1.50", openPriceAvg: "3400.00", leverage: 5}
            - {symbol: ETHUSDT, holdSide: short, total: "0.50", openPriceAvg: "3600.00", leverage: 5}
      """;

  SimServer sim;
  AtomicLong simClock = new AtomicLong(System.currentTimeMillis());

  @BeforeEach
  void start() {
    SimExchange ex = new SimExchange(() -> System.currentTimeMillis() + simClock.get() - simClockBase);
    ex.load(Scenario.parse(SCENARIO));
    sim = SimServer.start(ex, 0);
  }

  long simClockBase = simClock.get();

  @AfterEach
  void stop() {
    sim.close();
  }

  BitgetClient client(String key, String secret, String pass) {
    return BitgetClient.builder().baseUrl(sim.baseUrl()).credentials(new Credentials(key, secret, pass)).build();
  }

  BitgetClient k1() {
    return client("bg_k1", "s1", "p1");
  }

  @Test
  void serverTimeAndContracts() {
    BitgetClient c = BitgetClient.builder().baseUrl(sim.baseUrl() + "/").build();
    assertThat(c.serverTime()).isCloseTo(System.currentTimeMillis(), Offset.offset(5_000L));
    List<Contract> contracts = c.contracts();
    Contract dash = contracts.stream().filter(x -> x.symbol().equals("DASHUSDT")).findFirst().orElseThrow();
    assertThat(dash.tickSize()).isEqualByComparingTo("0.01");
    assertThat(dash.minTradeNum()).isEqualByComparingTo("0.01");
    assertThat(contracts).extracting(Contract::symbol).contains("BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT");
  }

  @Test
  void positionsAreExactDecimals() {
    List<Position> ps = k1().allPositions();
    assertThat(ps).hasSize(2);
    Position dash = ps.stream().filter(p -> p.symbol().equals("DASHUSDT")).findFirst().orElseThrow();
    assertThat(dash.holdSide()).isEqualTo(HoldSide.SHORT);
    assertThat(dash.posMode()).isEqualTo(PosMode.ONE_WAY);
    assertThat(dash.total()).isEqualTo(new BigDecimal("0.21"));
    assertThat(dash.openPriceAvg()).isEqualTo(new BigDecimal("68.10"));
    // short, 10x, mmr 0.4%: 68.10 × (1 + 0.1 − 0.004) = 74.6376 → rounded down to the tick
    assertThat(dash.liquidationPrice()).isEqualTo(new BigDecimal("74.63"));
  }

  @Test
  void pendingStopsAndPlacement_oneWay() {
    BitgetClient c = k1();
    List<PlanOrder> plans = c.pendingPlanOrders(PlanType.Query.PROFIT_LOSS, null);
    assertThat(plans).singleElement().satisfies(o -> {
      assertThat(o.planType()).isEqualTo(PlanType.POS_LOSS);
      assertThat(o.holdSide()).isEqualTo(HoldSide.SHORT);
      assertThat(o.triggerPrice()).isEqualTo(new BigDecimal("70.43"));
      assertThat(o.isFor("DASHUSDT")).isTrue();
    });

    PlacedOrder placed = c.placeTpslOrder(TpslOrder.positionStopLoss("BTCUSDT", HoldSide.LONG, PosMode.ONE_WAY,
        new BigDecimal("90000.0"), "sg-test-1"));
    assertThat(placed.clientOid()).isEqualTo("sg-test-1");
    assertThat(c.pendingPlanOrders(PlanType.Query.PROFIT_LOSS, "BTCUSDT"))
        .singleElement().satisfies(o -> {
          assertThat(o.orderId()).isEqualTo(placed.orderId());
          assertThat(o.holdSide()).isEqualTo(HoldSide.LONG);
          assertThat(o.size()).isEqualByComparingTo("0.015");
        });
  }

  @Test
  void placementErrorsCarryBitgetCodes() {
    BitgetClient c = k1();
    // long stop above mark (95000.0) → 40917
    assertThatThrownBy(() -> c.placeTpslOrder(TpslOrder.positionStopLoss("BTCUSDT", HoldSide.LONG, PosMode.ONE_WAY,
        new BigDecimal("96000.0"), null)))
        .isInstanceOfSatisfying(BitgetApiException.class, e -> {
          assertThat(e.code()).isEqualTo("40917");
          assertThat(e.httpStatus()).isEqualTo(400);
          assertThat(e.kind()).isEqualTo(ErrorKind.WRONG_SIDE);
        });
    // short stop below mark (68.50) → 45122
    assertThatThrownBy(() -> c.placeTpslOrder(TpslOrder.positionStopLoss("DASHUSDT", HoldSide.SHORT, PosMode.ONE_WAY,
        new BigDecimal("60.00"), null)))
        .isInstanceOfSatisfying(BitgetApiException.class, e -> assertThat(e.code()).isEqualTo("45122"));
    // second pos_loss on the same position → rejected (simulator's documented choice)
    assertThatThrownBy(() -> c.placeTpslOrder(TpslOrder.positionStopLoss("DASHUSDT", HoldSide.SHORT, PosMode.ONE_WAY,
        new BigDecimal("71.00"), null)))
        .isInstanceOfSatisfying(BitgetApiException.class, e -> assertThat(e.code()).isEqualTo("400172"));
    // hedge-mode holdSide on a one-way account → 40774
    assertThatThrownBy(() -> c.placeTpslOrder(TpslOrder.positionStopLoss("BTCUSDT", HoldSide.LONG, PosMode.HEDGE,
        new BigDecimal("90000.0"), null)))
        .isInstanceOfSatisfying(BitgetApiException.class, e -> assertThat(e.code()).isEqualTo("40774"));
    // no position → 40812, "gone"
    assertThatThrownBy(() -> c.placeTpslOrder(TpslOrder.positionStopLoss("SOLUSDT", HoldSide.LONG, PosMode.ONE_WAY,
        new BigDecimal("170.000"), null)))
        .isInstanceOfSatisfying(BitgetApiException.class, e -> {
          assertThat(e.code()).isEqualTo("40812");
          assertThat(e.kind()).isEqualTo(ErrorKind.GONE);
          assertThat(e.hint()).contains("no active position");
        });
    // price off the tick → 41103
    assertThatThrownBy(() -> c.placeTpslOrder(TpslOrder.positionStopLoss("BTCUSDT", HoldSide.LONG, PosMode.ONE_WAY,
        new BigDecimal("90000.05"), null)))
        .isInstanceOfSatisfying(BitgetApiException.class, e -> assertThat(e.code()).isEqualTo("41103"));
    // a repeated clientOid is refused: the basis of idempotent placement
    c.placeTpslOrder(TpslOrder.positionStopLoss("BTCUSDT", HoldSide.LONG, PosMode.ONE_WAY, new BigDecimal("90000.0"), "dup"));
    c.cancelPlanOrders("BTCUSDT", PlanType.POS_LOSS,
        List.of(c.pendingPlanOrders(PlanType.Query.PROFIT_LOSS, "BTCUSDT").get(0).orderId()));
    assertThatThrownBy(() -> c.placeTpslOrder(TpslOrder.positionStopLoss("BTCUSDT", HoldSide.LONG, PosMode.ONE_WAY,
        new BigDecimal("90000.0"), "dup")))
        .isInstanceOfSatisfying(BitgetApiException.class, e -> assertThat(e.code()).isEqualTo("40786"));
  }

  @Test
  void hedgeModeUsesLongShort() {
    BitgetClient c = client("bg_k2", "s2", "p2");
    c.placeTpslOrder(TpslOrder.positionStopLoss("ETHUSDT", HoldSide.LONG, PosMode.HEDGE, new BigDecimal("3300.00"), null));
    c.placeTpslOrder(TpslOrder.positionStopLoss("ETHUSDT", HoldSide.SHORT, PosMode.HEDGE, new BigDecimal("3700.00"), null));
    assertThat(c.pendingPlanOrders(PlanType.Query.PROFIT_LOSS, null))
        .extracting(PlanOrder::holdSide).containsExactlyInAnyOrder(HoldSide.LONG, HoldSide.SHORT);
    assertThatThrownBy(() -> c.placeTpslOrder(TpslOrder.positionStopLoss("ETHUSDT", HoldSide.LONG, PosMode.ONE_WAY,
        new BigDecimal("3300.00"), null)))
        .isInstanceOfSatisfying(BitgetApiException.class, e -> assertThat(e.code()).isEqualTo("40774"));
  }

  @Test
  void cancelNeedsPlanTypeForTpsl() {
    BitgetClient c = k1();
    String id = c.pendingPlanOrders(PlanType.Query.PROFIT_LOSS, null).get(0).orderId();
    CancelResult without = c.cancelPlanOrders("DASHUSDT", null, List.of(id));
    assertThat(without.successList()).isEmpty();
    assertThat(without.failureList()).singleElement().satisfies(f -> assertThat(f.orderId()).isEqualTo(id));
    CancelResult with = c.cancelPlanOrders("DASHUSDT", PlanType.POS_LOSS, List.of(id));
    assertThat(with.successList()).extracting(CancelResult.Item::orderId).containsExactly(id);
    assertThat(c.pendingPlanOrders(PlanType.Query.PROFIT_LOSS, null)).isEmpty();
  }

  @Test
  void paginationFollowsEndIdUntilExhausted() {
    StringBuilder y = new StringBuilder("""
        accounts:
          - uid: "7"
            apiKey: many
            secretKey: s
            passphrase: p
            positions:
              - {symbol: XRPUSDT, holdSide: long, total: "1000", openPriceAvg: "2.3000"}
            planOrders:
        """);
    for (int i = 0; i < 250; i++) {
      y.append("      - {symbol: XRPUSDT, planType: loss_plan, holdSide: long, size: \"1\", triggerPrice: \"2.")
          .append(String.format("%04d", 1000 + i)).append("\"}\n");
    }
    sim.exchange().load(Scenario.parse(y.toString()));
    List<PlanOrder> all = client("many", "s", "p").pendingPlanOrders(PlanType.Query.PROFIT_LOSS, null);
    Set<String> ids = new HashSet<>();
    all.forEach(o -> ids.add(o.orderId()));
    assertThat(all).hasSize(250);
    assertThat(ids).hasSize(250);
  }

  @Test
  void badKeysAreRejectedWithBitgetCodes() {
    assertThatThrownBy(() -> client("bg_k1", "wrong-secret", "p1").allPositions())
        .isInstanceOfSatisfying(BitgetApiException.class, e -> {
          assertThat(e.code()).isEqualTo("40009");
          assertThat(e.kind()).isEqualTo(ErrorKind.BAD_KEY);
          assertThat(e.getMessage()).doesNotContain("wrong-secret");
        });
    assertThatThrownBy(() -> client("bg_k1", "s1", "wrong").allPositions())
        .isInstanceOfSatisfying(BitgetApiException.class, e -> assertThat(e.code()).isEqualTo("40012"));
    assertThatThrownBy(() -> client("nope", "s1", "p1").allPositions())
        .isInstanceOfSatisfying(BitgetApiException.class, e -> assertThat(e.code()).isEqualTo("40037"));
  }

  @Test
  void clockSkewIsMeasuredAndApplied() {
    simClock.addAndGet(120_000); // Bitget's clock is 2 minutes ahead of ours
    BitgetClient c = k1();
    assertThatThrownBy(c::allPositions)
        .isInstanceOfSatisfying(BitgetApiException.class, e -> {
          assertThat(e.code()).isEqualTo("40008");
          assertThat(e.kind()).isEqualTo(ErrorKind.CLOCK);
        });
    long offset = c.syncClock();
    assertThat(offset).isBetween(115_000L, 125_000L);
    assertThat(c.allPositions()).hasSize(2);
  }

  @Test
  void demoTradingSendsHeaderAndSProductType() {
    BitgetClient demo = BitgetClient.builder().baseUrl(sim.baseUrl()).demoTrading(true)
        .credentials(new Credentials("bg_k1", "s1", "p1")).build();
    assertThat(demo.productType()).isEqualTo("SUSDT-FUTURES");
    assertThat(demo.allPositions()).extracting(Position::marginCoin).containsOnly("SUSDT");
  }

  @Test
  void unreachableServerIsATransportError() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    BitgetClient c = BitgetClient.builder().baseUrl("http://127.0.0.1:" + port).timeout(Duration.ofSeconds(2))
        .credentials(new Credentials("k", "s", "p")).build();
    assertThatThrownBy(c::allPositions)
        .isInstanceOfSatisfying(BitgetTransportException.class, e -> assertThat(e.kind()).isEqualTo(ErrorKind.RETRYABLE));
  }

  @Test
  void unknownPathIsBitgets404() {
    assertThatThrownBy(() -> Transport.unwrap("GET", "/x", 404, "<html>nope</html>"))
        .isInstanceOf(BitgetTransportException.class);
    assertThatThrownBy(() -> Transport.unwrap("GET", "/x", 404, "{\"code\":\"40404\",\"msg\":\"Request URL NOT FOUND\"}"))
        .isInstanceOfSatisfying(BitgetApiException.class, e -> assertThat(e.httpStatus()).isEqualTo(404));
  }

  @Test
  void tickerAccountModeSinglePositionAndPosTpsl() {
    BitgetClient c = k1();
    Ticker t = c.ticker("DASHUSDT");
    assertThat(t.markPrice()).isEqualByComparingTo("68.50");
    assertThat(c.positionMode("BTCUSDT")).isEqualTo(PosMode.ONE_WAY);
    assertThat(client("bg_k2", "s2", "p2").positionMode("ETHUSDT")).isEqualTo(PosMode.HEDGE);
    assertThat(client("bg_k2", "s2", "p2").singlePosition("ETHUSDT")).extracting(Position::holdSide)
        .containsExactlyInAnyOrder(HoldSide.LONG, HoldSide.SHORT);
    List<PlacedOrder> placed = c.placePositionStopLoss("BTCUSDT", HoldSide.LONG, PosMode.ONE_WAY, new BigDecimal("90000.0"));
    assertThat(placed).hasSize(1);
    assertThat(c.pendingPlanOrders(PlanType.Query.PROFIT_LOSS, "BTCUSDT")).singleElement()
        .satisfies(o -> assertThat(o.planType()).isEqualTo(PlanType.POS_LOSS));
    assertThatThrownBy(() -> c.ticker("NOPEUSDT")).isInstanceOfSatisfying(BitgetApiException.class,
        e -> assertThat(e.code()).isEqualTo("40034"));
  }

  @Test
  void aKeyNoHeaderCanCarryFailsBeforeAnyRequestAndNeverQuotesTheSecret() {
    for (String[] bad : new String[][] {{"bg_k1", "s1", "pässwörd"}, {"bg_k1🔑", "s1", "p1"}, {"bg_k1", "s 1", "p1"}}) {
      assertThatThrownBy(() -> client(bad[0], bad[1], bad[2]).allPositions())
          .isInstanceOfSatisfying(UnusableKeyException.class, e -> {
            assertThat(e.kind()).isEqualTo(ErrorKind.BAD_KEY);
            assertThat(e.getMessage()).contains("bg_k****").doesNotContain(bad[1]).doesNotContain(bad[2])
                .contains("cannot accept");
          });
    }
  }
}
