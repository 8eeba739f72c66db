package io.stopguard.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Bitget's per-IP limits in the simulator: windows on synthetic time, and the WebSocket caps over real sockets. */
class IpLimitsTest {
  SimServer sim;
  final HttpClient http = HttpClient.newHttpClient();
  final List<WebSocket> sockets = new ArrayList<>();

  @BeforeEach
  void start() {
    sim = SimServer.start(Scenario.parse("accounts: []\n"), 0);
  }

  @AfterEach
  void stop() {
    for (WebSocket s : sockets) s.abort();
    sim.close();
  }

  @Test
  void sixThousandRequestsPerMinuteThenFiveMinutesOfPenalty() {
    RateLimits limits = new RateLimits();
    long t0 = 1_000_000;
    for (int i = 0; i < 6000; i++) assertThat(limits.allowIp("10.0.0.1", t0 + i * 5)).isTrue(); // 30 s
    assertThat(limits.allowIp("10.0.0.2", t0 + 30_000)).as("other IPs are not affected").isTrue();
    assertThat(limits.allowIp("10.0.0.1", t0 + 30_000)).as("request 6001 within the minute").isFalse();
    // The window alone would admit requests again after t0 + 60 s; the penalty lasts 5 minutes.
    assertThat(limits.allowIp("10.0.0.1", t0 + 90_000)).isFalse();
    assertThat(limits.allowIp("10.0.0.1", t0 + 30_000 + 5 * 60_000 - 1)).isFalse();
    assertThat(limits.allowIp("10.0.0.1", t0 + 30_000 + 5 * 60_000)).isTrue();
  }

  @Test
  void threeHundredConnectionRequestsPerFiveMinutesCountingRejectedOnes() {
    RateLimits limits = new RateLimits();
    long t0 = 5_000_000;
    for (int i = 0; i < 300; i++) {
      assertThat(limits.admitConnection("10.0.0.1", t0 + i)).isNull();
      limits.connectionClosed("10.0.0.1");
    }
    assertThat(limits.admitConnection("10.0.0.1", t0 + 1000)).contains("300 connection requests");
    assertThat(limits.admitConnection("10.0.0.1", t0 + 299_999)).as("the refused attempt counted too").isNotNull();
    assertThat(limits.admitConnection("10.0.0.1", t0 + 300_300)).isNull();
  }

  @Test
  void aHundredAndFirstWebSocketFromOneIpIsRefused() {
    for (int i = 0; i < 100; i++) sockets.add(open().join());
    assertThatThrownBy(() -> open().join()).isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(WebSocketHandshakeException.class)
        .satisfies(e -> assertThat(((WebSocketHandshakeException) e.getCause()).getResponse().statusCode()).isEqualTo(429));
    sockets.removeFirst().sendClose(WebSocket.NORMAL_CLOSURE, "").join();
    // the slot frees once the server has seen the close
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> {
      try {
        sockets.add(open().join());
        return true;
      } catch (CompletionException e) {
        return false;
      }
    });
  }

  @Test
  void moreThanTenMessagesASecondCloseTheConnection() throws Exception {
    CompletableFuture<Integer> closed = new CompletableFuture<>();
    WebSocket ws = http.newWebSocketBuilder().buildAsync(sim.webSocketUrl(), new WebSocket.Listener() {
      @Override
      public CompletableFuture<?> onClose(WebSocket w, int status, String reason) {
        closed.complete(status);
        return null;
      }
    }).join();
    sockets.add(ws);
    for (int i = 0; i < 11; i++) ws.sendText("ping", true).join();
    assertThat(closed.get(5, TimeUnit.SECONDS)).isEqualTo(1008);
  }

  @Test
  void restRequestsOverTheIpLimitGet429() throws Exception {
    RateLimits limits = new RateLimits();
    RestApi api = new RestApi(sim.exchange(), new Faults(), limits);
    for (int i = 0; i < 6000; i++) limits.allowIp("127.0.0.9", sim.exchange().now());
    RestApi.Reply r = api.handle("GET", "/api/v2/public/time", "", Map.of(), "", "127.0.0.9");
    assertThat(r.status()).isEqualTo(429);
    assertThat(r.body()).contains("\"code\":\"429\"");
    HttpResponse<String> fromAnotherIp = http.send(HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/api/v2/public/time")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(fromAnotherIp.statusCode()).isEqualTo(200);
  }

  private CompletableFuture<WebSocket> open() {
    return http.newWebSocketBuilder().buildAsync(sim.webSocketUrl(), new WebSocket.Listener() {});
  }
}
