package io.stopguard.bitget;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Executors;
import java.net.http.HttpClient;
import java.net.URI;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stopguard.sim.Scenario;
import io.stopguard.sim.SimExchange;
import io.stopguard.sim.SimServer;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The private WebSocket client against the simulator's WebSocket on 127.0.0.1. */
class BitgetWebSocketTest {
  static final String SCENARIO = """
      accounts:
        - uid: "9001"
          apiKey: bg_k1
          secretKey: s1
          passphrase: p1
          positions:
            - {symbol: DASHUSDT, holdSide: short, total: "0.21", openPriceAvg: "68.10", leverage: 10}
          planOrders:
            - {symbol: DASHUSDT, planType: pos_loss, holdSide: short, triggerPrice: "70.43"}
      """;

  SimServer sim;
  final List<Instant> lives = new CopyOnWriteArrayList<>();
  final List<List<Position>> positions = new CopyOnWriteArrayList<>();
  final List<PlanOrder> plans = new CopyOnWriteArrayList<>();
  final List<String> downs = new CopyOnWriteArrayList<>();
  BitgetWebSocket ws;

  @BeforeEach
  void start() {
    sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(SCENARIO)), 0);
  }

  @AfterEach
  void stop() {
    if (ws != null) ws.close();
    sim.close();
  }

  BitgetWebSocket.Listener listener() {
    return new BitgetWebSocket.Listener() {
      @Override
      public void onLive(Instant blindSince) {
        lives.add(blindSince);
      }

      @Override
      public void onPositions(List<Position> p) {
        positions.add(p);
      }

      @Override
      public void onPlanOrders(List<PlanOrder> o) {
        plans.addAll(o);
      }

      @Override
      public void onDown(String reason) {
        downs.add(reason);
      }
    };
  }

  /** A connection with a timer thread of its own, as an application would pass one, pinging every {@link BitgetWebSocket#PING_INTERVAL}. */
  static BitgetWebSocket open(URI url, Credentials c, boolean demo, BitgetWebSocket.Listener l) {
    ScheduledExecutorService t = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread th = new Thread(r, "bitget-ws-timer");
      th.setDaemon(true);
      return th;
    });
    BitgetWebSocket ws = new BitgetWebSocket(url, c, demo, l, HttpClient.newHttpClient(), System::currentTimeMillis,
        BitgetWebSocket.PING_INTERVAL, t, IpBudget.shared());
    ws.start();
    return ws;
  }

  @Test
  void loginSubscribeSnapshotsAndPushesOnChanges() {
    ws = open(sim.webSocketUrl(), new Credentials("bg_k1", "s1", "p1"), false, listener());
    await().atMost(Duration.ofSeconds(5)).until(() -> lives.size() == 1 && !positions.isEmpty() && !plans.isEmpty());
    assertThat(ws.state()).isEqualTo("live");
    assertThat(positions.get(0)).singleElement().satisfies(p -> {
      assertThat(p.symbol()).isEqualTo("DASHUSDT");
      assertThat(p.holdSide()).isEqualTo(HoldSide.SHORT);
      assertThat(p.total()).isEqualByComparingTo("0.21");
    });
    assertThat(plans.get(0).planType()).isEqualTo(PlanType.POS_LOSS);
    assertThat(plans.get(0).planStatus()).isEqualTo("live");

    // a stop cancelled "from outside" is pushed
    sim.exchange().cancelStopsFromOutside("9001", "DASHUSDT", "short");
    await().atMost(Duration.ofSeconds(5)).until(() -> plans.stream().anyMatch(o -> "cancelled".equals(o.planStatus())));

    // a stop placed over REST is pushed
    BitgetClient c = BitgetClient.builder().baseUrl(sim.baseUrl()).credentials(new Credentials("bg_k1", "s1", "p1")).build();
    c.placeTpslOrder(TpslOrder.positionStopLoss("DASHUSDT", HoldSide.SHORT, PosMode.ONE_WAY, new BigDecimal("71.00"), "ws-1"));
    await().atMost(Duration.ofSeconds(5)).until(() -> plans.stream().anyMatch(o -> "ws-1".equals(o.clientOid())));

    // the mark crosses the stop: executed, position gone
    sim.exchange().setMarkPrice("DASHUSDT", new BigDecimal("71.50"));
    await().atMost(Duration.ofSeconds(5)).until(() -> plans.stream().anyMatch(o -> "executed".equals(o.planStatus())));
    await().atMost(Duration.ofSeconds(5)).until(() -> positions.get(positions.size() - 1).isEmpty());
  }

  @Test
  void reconnectsResubscribesAndReportsTheBlindPeriod() {
    ws = open(sim.webSocketUrl(), new Credentials("bg_k1", "s1", "p1"), false, listener());
    await().atMost(Duration.ofSeconds(5)).until(() -> lives.size() == 1);
    Instant beforeDrop = Instant.now();
    assertThat(sim.dropWebSockets("9001")).isEqualTo(1);
    await().atMost(Duration.ofSeconds(10)).until(() -> lives.size() == 2);
    assertThat(downs).hasSize(1);
    assertThat(lives.get(1)).isAfterOrEqualTo(beforeDrop.minusMillis(50)); // blind since the drop
    assertThat(ws.state()).isEqualTo("live");
  }

  @Test
  void badSignatureIsRefused() {
    ws = open(sim.webSocketUrl(), new Credentials("bg_k1", "wrong", "p1"), false, listener());
    await().atMost(Duration.ofSeconds(5)).until(() -> !downs.isEmpty());
    assertThat(downs.get(0)).contains("30015");
    assertThat(lives).isEmpty();
  }
}
