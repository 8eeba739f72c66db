package io.stopguard.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The simulator's answers where FIDELITY.md names a source, and each switch of {@link Fidelity}
 * doing what it says, over real HTTP and WebSocket.
 */
class FidelityTest {
  static final String SCENARIO = """
      accounts:
        - uid: "9001"
          apiKey: k1
          secretKey: s1
          passphrase: p1
          positions:
            - {symbol: DASHUSDT, holdSide: short, total: "0.21", openPriceAvg: "68.10"}
        - uid: "9002"
          apiKey: k2
          secretKey: s2
          passphrase: p2
          posMode: hedge_mode
          positions:
            - {symbol: ETHUSDT, holdSide: long, total: "0.50"}
      """;
  static final String PLACE_SHORT_STOP = "{\"marginCoin\":\"USDT\",\"productType\":\"USDT-FUTURES\",\"symbol\":\"DASHUSDT\","
      + "\"planType\":\"pos_loss\",\"triggerPrice\":\"%s\",\"triggerType\":\"%s\",\"holdSide\":\"sell\",\"size\":\"0.21\"%s}";

  SimServer sim;
  Signed one;
  Signed hedge;

  void start(Fidelity f) {
    sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(SCENARIO).with(f)), 0);
    one = new Signed(sim.baseUrl(), "k1", "s1", "p1");
    hedge = new Signed(sim.baseUrl(), "k2", "s2", "p2");
  }

  @AfterEach
  void stop() {
    if (sim != null) sim.close();
  }

  Signed.Answer placeStop(String trigger) {
    return one.post("/api/v2/mix/order/place-tpsl-order", PLACE_SHORT_STOP.formatted(trigger, "mark_price", ""));
  }

  JsonNode stops(Signed who) {
    return who.get("/api/v2/mix/order/orders-plan-pending?planType=profit_loss&productType=USDT-FUTURES").data()
        .path("entrustedList");
  }

  // ------------------------------------------------------------------ settled by a source

  @Test
  void aBurstAcrossASecondBoundaryIsRefused() {
    RateLimits limits = new RateLimits();
    String path = "/api/v2/mix/position/all-position"; // 5 per second per UID
    for (int i = 0; i < 5; i++) assertThat(limits.allow("9001", path, 10_900 + i * 20)).isTrue();
    // 172 ms after the first, across the boundary at 11,000: counted per calendar second these would pass.
    for (int i = 0; i < 5; i++) assertThat(limits.allow("9001", path, 11_010 + i * 15)).as("request %d", 6 + i).isFalse();
    assertThat(limits.allow("9001", path, 11_900)).as("refused requests count too").isFalse();
    assertThat(limits.allow("9001", path, 12_950)).as("a second after the last request").isTrue();
    assertThat(limits.allow("9002", path, 11_010)).as("another UID has its own window").isTrue();
  }

  @Test
  void tenAllPositionCallsAtOnceOverHttpGetAtMostFive() {
    start(Fidelity.DEFAULT);
    List<CompletableFuture<Signed.Answer>> calls = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      calls.add(CompletableFuture.supplyAsync(() -> one.get("/api/v2/mix/position/all-position?productType=USDT-FUTURES")));
    }
    long ok = calls.stream().map(CompletableFuture::join).filter(a -> a.status() == 200).count();
    assertThat(ok).isLessThanOrEqualTo(5);
    assertThat(calls.stream().map(CompletableFuture::join).filter(a -> a.status() == 429).allMatch(a -> a.code().equals("429")))
        .isTrue();
  }

  @Test
  void ordersPlanPendingWithATpslPlanTypeIsBitgets40812() {
    start(Fidelity.DEFAULT);
    Signed.Answer a = one.get("/api/v2/mix/order/orders-plan-pending?planType=pos_loss&productType=USDT-FUTURES");
    assertThat(a.code()).isEqualTo("40812");
    assertThat(a.body().path("msg").asText()).isEqualTo("The condition planType is not met");
    assertThat(one.get("/api/v2/mix/order/orders-plan-pending?productType=USDT-FUTURES").code()).isEqualTo("40019");
  }

  @Test
  void aSecondPosLossOnTheSamePositionIs400172ByDefault() {
    start(Fidelity.DEFAULT);
    assertThat(placeStop("70.43").code()).isEqualTo("00000");
    assertThat(placeStop("71.00").code()).isEqualTo("400172");
    assertThat(stops(one)).hasSize(1);
  }

  @Test
  void cancelWithoutPlanTypeLeavesAPosLossAlone() {
    start(Fidelity.DEFAULT);
    String id = placeStop("70.43").data().path("orderId").asText();
    JsonNode r = one.post("/api/v2/mix/order/cancel-plan-order",
        "{\"productType\":\"USDT-FUTURES\",\"symbol\":\"DASHUSDT\",\"orderIdList\":[{\"orderId\":\"" + id + "\"}]}").data();
    assertThat(r.path("successList")).isEmpty();
    assertThat(r.path("failureList")).hasSize(1);
    assertThat(stops(one)).hasSize(1);
  }

  @Test
  void aNormalPlanOrderIsListedAsNormalPlanOnlyNeverAsAStop() {
    start(Fidelity.DEFAULT);
    Signed.Answer placed = one.post("/api/v2/mix/order/place-plan-order", "{\"planType\":\"normal_plan\",\"symbol\":\"DASHUSDT\","
        + "\"productType\":\"USDT-FUTURES\",\"marginMode\":\"crossed\",\"marginCoin\":\"USDT\",\"size\":\"0.21\","
        + "\"triggerPrice\":\"70.00\",\"triggerType\":\"mark_price\",\"side\":\"buy\",\"orderType\":\"market\",\"reduceOnly\":\"YES\"}");
    assertThat(placed.code()).as(placed.body().toString()).isEqualTo("00000");
    assertThat(stops(one).isNull() || stops(one).isEmpty()).isTrue();
    JsonNode normal = one.get("/api/v2/mix/order/orders-plan-pending?planType=normal_plan&productType=USDT-FUTURES").data()
        .path("entrustedList");
    assertThat(normal).hasSize(1);
    assertThat(normal.get(0).path("planType").asText()).isEqualTo("normal_plan");
    // Triggered, it buys back the short: the position is gone.
    sim.exchange().setMarkPrice("DASHUSDT", new BigDecimal("70.10"));
    assertThat(sim.exchange().positionStops()).doesNotContainKey("9001:DASHUSDT:short");
  }

  @Test
  void fillPriceStopsFireOnTheLastPriceMarkPriceStopsOnTheMark() {
    start(Fidelity.DEFAULT);
    assertThat(one.post("/api/v2/mix/order/place-tpsl-order", PLACE_SHORT_STOP.formatted("70.43", "fill_price", "")).code())
        .isEqualTo("00000");
    sim.exchange().setLastPrice("DASHUSDT", new BigDecimal("70.50")); // a wick on trades, the mark stays at 68.50
    assertThat(sim.exchange().positionStops()).doesNotContainKey("9001:DASHUSDT:short");
  }

  @Test
  void aLastPriceWickDoesNotFireAMarkPriceStop() {
    start(Fidelity.DEFAULT);
    assertThat(placeStop("70.43").code()).isEqualTo("00000");
    sim.exchange().setLastPrice("DASHUSDT", new BigDecimal("70.50"));
    assertThat(sim.exchange().positionStops()).containsEntry("9001:DASHUSDT:short", 1L);
  }

  @Test
  void symbolsAreUpperCaseAsSentAndLowerCaseRequestsAre40034() {
    start(Fidelity.DEFAULT);
    placeStop("70.43");
    assertThat(stops(one).get(0).path("symbol").asText()).isEqualTo("DASHUSDT");
    assertThat(one.get("/api/v2/mix/order/orders-plan-pending?planType=profit_loss&productType=USDT-FUTURES&symbol=dashusdt")
        .code()).isEqualTo("40034");
  }

  // ------------------------------------------------------------------ each switch

  @Test
  void secondPosLossReplace() {
    start(Fidelity.DEFAULT.with("secondPosLoss", "replace"));
    placeStop("70.43");
    assertThat(placeStop("71.00").code()).isEqualTo("00000");
    assertThat(stops(one)).hasSize(1);
    assertThat(stops(one).get(0).path("triggerPrice").asText()).isEqualTo("71.00");
  }

  @Test
  void oneWaySideAndSizeConventions() {
    start(Fidelity.DEFAULT);
    placeStop("70.43");
    assertThat(stops(one).get(0).path("side").asText()).as("position direction: short = sell").isEqualTo("sell");
    assertThat(stops(one).get(0).path("size").asText()).isEqualTo("0.21");
    sim.close();
    start(Fidelity.DEFAULT.with("oneWaySide", "closing").with("posLossSize", "sent"));
    one.post("/api/v2/mix/order/place-tpsl-order", PLACE_SHORT_STOP.formatted("70.43", "mark_price", "").replace(",\"size\":\"0.21\"", ""));
    assertThat(stops(one).get(0).path("side").asText()).as("closing side of a short = buy").isEqualTo("buy");
    assertThat(stops(one).get(0).path("size").asText()).as("no size was sent").isEmpty();
  }

  @Test
  void posLossOnCloseKeep() {
    start(Fidelity.DEFAULT.with("posLossOnClose", "keep"));
    placeStop("70.43");
    assertThat(sim.exchange().closePosition("9001", "DASHUSDT", "short")).isTrue();
    assertThat(stops(one)).as("left pending after a close by hand").hasSize(1);
    sim.close();
    start(Fidelity.DEFAULT);
    placeStop("70.43");
    sim.exchange().closePosition("9001", "DASHUSDT", "short");
    assertThat(stops(one).isNull() || stops(one).isEmpty()).as("cancelled with the position").isTrue();
  }

  @Test
  void posLossOnResize() {
    for (String v : List.of("keep", "cancel")) {
      start(Fidelity.DEFAULT.with("posLossOnResize", v));
      placeStop("70.43");
      Signed.Answer added = one.post("/api/v2/mix/order/place-order", "{\"symbol\":\"DASHUSDT\",\"productType\":\"USDT-FUTURES\","
          + "\"marginMode\":\"crossed\",\"marginCoin\":\"USDT\",\"size\":\"0.10\",\"side\":\"sell\",\"orderType\":\"market\"}");
      assertThat(added.code()).as(added.body().toString()).isEqualTo("00000");
      assertThat(sim.exchange().positionStops()).containsEntry("9001:DASHUSDT:short", v.equals("keep") ? 1L : 0L);
      sim.close();
    }
    sim = null;
  }

  @Test
  void cancelUnknownAndDuplicateClientOidCodes() {
    start(Fidelity.DEFAULT.with("cancelUnknown", "error").with("duplicateClientOid", "40757"));
    String body = "{\"productType\":\"USDT-FUTURES\",\"symbol\":\"DASHUSDT\",\"planType\":\"pos_loss\","
        + "\"orderIdList\":[{\"orderId\":\"1\"}]}";
    assertThat(one.post("/api/v2/mix/order/cancel-plan-order", body).code()).isEqualTo("43025");
    String withOid = PLACE_SHORT_STOP.formatted("70.43", "mark_price", ",\"clientOid\":\"x1\"");
    assertThat(one.post("/api/v2/mix/order/place-tpsl-order", withOid).code()).isEqualTo("00000");
    one.post("/api/v2/mix/order/cancel-plan-order", body.replace("\"orderId\":\"1\"", "\"clientOid\":\"x1\""));
    assertThat(one.post("/api/v2/mix/order/place-tpsl-order", withOid).code()).isEqualTo("40757");
  }

  @Test
  void symbolCaseSwitches() {
    start(Fidelity.DEFAULT.with("planSymbolCase", "lower").with("requestSymbolCase", "any"));
    placeStop("70.43");
    assertThat(stops(one).get(0).path("symbol").asText()).isEqualTo("dashusdt");
    assertThat(one.get("/api/v2/mix/order/orders-plan-pending?planType=profit_loss&productType=USDT-FUTURES&symbol=dashusdt")
        .code()).isEqualTo("00000");
  }

  @Test
  void positionsPushOnMarkAndOrdersAlgoAction() throws Exception {
    for (Fidelity f : List.of(Fidelity.DEFAULT, Fidelity.DEFAULT.with("positionsPushOnMark", "no").with("ordersAlgoAction", "snapshot"))) {
      start(f);
      List<JsonNode> pushes = new CopyOnWriteArrayList<>();
      WebSocket ws = connect("k1", "s1", "p1", pushes);
      ws.sendText("{\"op\":\"subscribe\",\"args\":[{\"instType\":\"USDT-FUTURES\",\"channel\":\"positions\",\"instId\":\"default\"},"
          + "{\"instType\":\"USDT-FUTURES\",\"channel\":\"orders-algo\",\"instId\":\"default\"}]}", true).join();
      await().atMost(Duration.ofSeconds(5)).until(() -> pushes.stream().filter(p -> p.has("action")).count() >= 2);
      pushes.clear();
      sim.exchange().setMarkPrice("DASHUSDT", new BigDecimal("68.60"));
      placeStop("70.43");
      await().atMost(Duration.ofSeconds(5)).until(() -> pushes.stream().anyMatch(p -> channel(p).equals("orders-algo")));
      Thread.sleep(200); // a positions push, if any, comes with the mark move before the placement
      boolean positionsPushed = pushes.stream().anyMatch(p -> channel(p).equals("positions"));
      String action = pushes.stream().filter(p -> channel(p).equals("orders-algo")).findFirst().orElseThrow().path("action").asText();
      assertThat(positionsPushed).as(f.toString()).isEqualTo(f.positionsPushOnMark().equals("yes"));
      assertThat(action).as(f.toString()).isEqualTo(f.ordersAlgoAction());
      ws.abort();
      sim.close();
    }
    sim = null;
  }

  // ------------------------------------------------------------------ the private WebSocket's limits and codes

  @Test
  void aConnectionWithoutPingIsClosedAndEveryConnectionAfterItsMaximumAge() throws Exception {
    sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(SCENARIO).with(new Scenario.WebSocketSpec(2L, 4L))), 0);
    List<JsonNode> silentPushes = new CopyOnWriteArrayList<>();
    CompletableFuture<Integer> silentClosed = new CompletableFuture<>();
    connect("k1", "s1", "p1", silentPushes, silentClosed);
    assertThat(silentClosed.get(5, TimeUnit.SECONDS)).isEqualTo(1000);

    CompletableFuture<Integer> pingerClosed = new CompletableFuture<>();
    WebSocket pinger = connect("k1", "s1", "p1", new CopyOnWriteArrayList<>(), pingerClosed);
    long opened = System.currentTimeMillis();
    while (!pingerClosed.isDone() && System.currentTimeMillis() - opened < 8000) {
      pinger.sendText("ping", true);
      Thread.sleep(500);
    }
    assertThat(pingerClosed).as("closed at its maximum age although it pinged").isDone();
    assertThat(System.currentTimeMillis() - opened).isGreaterThanOrEqualTo(3500);
  }

  @Test
  void loginErrorsUseBitgetsCodes() throws Exception {
    start(Fidelity.DEFAULT);
    assertThat(loginError("k1", "wrong-secret", "p1")).isEqualTo(30015);
    assertThat(loginError("k1", "s1", "wrong-pass")).isEqualTo(30012);
    assertThat(loginError("nokey", "s1", "p1")).isEqualTo(30011);
  }

  // ------------------------------------------------------------------ helpers

  private static String channel(JsonNode push) {
    return push.path("arg").path("channel").asText();
  }

  private int loginError(String key, String secret, String pass) throws Exception {
    List<JsonNode> msgs = new CopyOnWriteArrayList<>();
    WebSocket ws = connect(key, secret, pass, msgs);
    await().atMost(Duration.ofSeconds(5)).until(() -> !msgs.isEmpty());
    ws.abort();
    return msgs.get(0).path("code").asInt();
  }

  private WebSocket connect(String key, String secret, String pass, List<JsonNode> into) throws Exception {
    return connect(key, secret, pass, into, new CompletableFuture<>());
  }

  private WebSocket connect(String key, String secret, String pass, List<JsonNode> into, CompletableFuture<Integer> closed)
      throws Exception {
    WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(sim.webSocketUrl(), new WebSocket.Listener() {
      final StringBuilder sb = new StringBuilder();

      @Override
      public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
        sb.append(data);
        if (last) {
          String t = sb.toString();
          sb.setLength(0);
          if (!t.equals("pong")) {
            try {
              into.add(Signed.JSON.readTree(t));
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          }
        }
        w.request(1);
        return null;
      }

      @Override
      public CompletionStage<?> onClose(WebSocket w, int status, String reason) {
        closed.complete(status);
        return null;
      }
    }).join();
    String ts = Long.toString(System.currentTimeMillis() / 1000);
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.getBytes(), "HmacSHA256"));
    String sign = Base64.getEncoder().encodeToString(mac.doFinal((ts + "GET/user/verify").getBytes()));
    ws.sendText("{\"op\":\"login\",\"args\":[{\"apiKey\":\"" + key + "\",\"passphrase\":\"" + pass + "\",\"timestamp\":\"" + ts
        + "\",\"sign\":\"" + sign + "\"}]}", true).join();
    if (!key.equals("nokey") && secret.startsWith("s") && pass.startsWith("p")) {
      await().atMost(Duration.ofSeconds(5)).until(() -> into.stream().anyMatch(m -> "login".equals(m.path("event").asText())));
    }
    return ws;
  }
}
