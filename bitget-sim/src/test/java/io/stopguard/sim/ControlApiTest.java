package io.stopguard.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The control API over real HTTP, and scenario events on the scheduler. */
class ControlApiTest {
  static final String SCENARIO = """
      accounts:
        - uid: "9001"
          apiKey: k
          secretKey: s
          passphrase: p
          positions:
            - {symbol: DASHUSDT, holdSide: short, total: "0.21", openPriceAvg: "68.10", leverage: 10}
            - {symbol: BTCUSDT, holdSide: long, total: "0.0100", openPriceAvg: "95000.0", leverage: 10}
          planOrders:
            - {symbol: DASHUSDT, planType: pos_loss, holdSide: short, triggerPrice: "70.43"}
            - {symbol: BTCUSDT, planType: pos_loss, holdSide: long, triggerPrice: "94000.0"}
      events:
        - {at: "300ms", action: cancel-stop, uid: "9001", symbol: DASHUSDT, holdSide: short}
      """;

  SimServer sim;
  final HttpClient http = HttpClient.newHttpClient();
  final ObjectMapper json = new ObjectMapper();

  @BeforeEach
  void start() {
    sim = SimServer.start(Scenario.parse(SCENARIO), 0);
  }

  @AfterEach
  void stop() {
    sim.close();
  }

  JsonNode call(String method, String path, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(sim.baseUrl() + path));
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return json.readTree(r.body());
  }

  @Test
  void scenarioEventsRunOnTime() throws Exception {
    assertThat(sim.exchange().countPlans("9001", "DASHUSDT", "short", "pos_loss")).isEqualTo(1);
    // the event at 300 ms cancels it: waited for, not slept past
    Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
        .until(() -> sim.exchange().countPlans("9001", "DASHUSDT", "short", "pos_loss") == 0);
  }

  @Test
  void markMovesTriggerStopsAndLiquidations() throws Exception {
    // BTC long stop at 94000.0: the mark falls through it → stop executed, position closed
    assertThat(call("POST", "/_sim/mark", "{\"symbol\":\"BTCUSDT\",\"price\":\"93900.0\"}").path("ok").asBoolean()).isTrue();
    JsonNode state = call("GET", "/_sim/state", null).path("result");
    assertThat(state.path("markPrices").path("BTCUSDT").asText()).isEqualTo("93900.0");
    assertThat(state.path("accounts").get(0).path("positions").toString()).doesNotContain("BTCUSDT");
    // DASH short liquidation at 74.63 (10x): the mark above it liquidates, stops go too
    call("POST", "/_sim/mark", "{\"symbol\":\"DASHUSDT\",\"price\":\"75.00\"}");
    state = call("GET", "/_sim/state", null).path("result");
    assertThat(state.path("accounts").get(0).path("positions")).isEmpty();
    assertThat(state.path("accounts").get(0).path("planOrders")).isEmpty();
  }

  @Test
  void outsideActionsFaultsAndErrors() throws Exception {
    assertThat(call("POST", "/_sim/cancel-stop", "{\"uid\":\"9001\",\"symbol\":\"BTCUSDT\",\"holdSide\":\"long\"}")
        .path("result").path("cancelled").asInt()).isEqualTo(1);
    assertThat(call("POST", "/_sim/close-position", "{\"uid\":\"9001\",\"symbol\":\"BTCUSDT\",\"holdSide\":\"long\"}")
        .path("result").path("closed").asBoolean()).isTrue();
    call("POST", "/_sim/open-position", "{\"uid\":\"9001\",\"position\":{\"symbol\":\"SOLUSDT\",\"holdSide\":\"long\",\"total\":\"1.0\"}}");
    assertThat(call("GET", "/_sim/state", null).toString()).contains("SOLUSDT");

    call("POST", "/_sim/faults", "{\"endpoint\":\"/api/v2/public/time\",\"tooManyRequests\":1}");
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/api/v2/public/time")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(json.readTree(r.body()).path("code").asText()).isEqualTo("429");
    call("DELETE", "/_sim/faults", null);
    assertThat(http.send(HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/api/v2/public/time")).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);

    JsonNode bad = call("POST", "/_sim/mark", "{\"symbol\":\"BTCUSDT\"}");
    assertThat(bad.path("ok").asBoolean()).isFalse();
    assertThat(bad.path("error").asText()).contains("price is required");
    assertThat(call("POST", "/_sim/nope", "{}").path("error").asText()).contains("unknown control endpoint");
  }

  @Test
  void rateLimitsAnswer429PerUid() throws Exception {
    int throttled = 0;
    for (int i = 0; i < 45; i++) { // 45 in well under a second: at least one 1-s window sees > 20
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/api/v2/public/time")).build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 429) throttled++;
    }
    assertThat(throttled).isGreaterThan(0); // 20/s per IP for public endpoints
  }
}
