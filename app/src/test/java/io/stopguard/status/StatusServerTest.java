package io.stopguard.status;

import io.stopguard.guard.WatchHealth;

import static org.assertj.core.api.Assertions.assertThat;

import io.stopguard.metrics.StopguardMetrics;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** /metrics and /health answer exactly those paths, GET only; a degraded reason makes /health degraded. */
class StatusServerTest {
  final HttpClient http = HttpClient.newHttpClient();

  HttpResponse<String> send(int port, String method, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void onlyTheExactPathsAndGet() throws Exception {
    try (StatusServer s = new StatusServer(new InetSocketAddress("127.0.0.1", 0), new StopguardMetrics().registry(),
        () -> Health.of(WatchHealth.none().withFleet(null, List.of("restore failing for 1:ETHUSDT:LONG")), List.of()))) {
      assertThat(send(s.port(), "GET", "/metrics").statusCode()).isEqualTo(200);
      HttpResponse<String> health = send(s.port(), "GET", "/health");
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(health.body()).contains("\"status\" : \"degraded\"").contains("restore failing for 1:ETHUSDT:LONG");
      assertThat(send(s.port(), "GET", "/healthz").statusCode()).isEqualTo(404);
      assertThat(send(s.port(), "GET", "/metrics/x").statusCode()).isEqualTo(404);
      assertThat(send(s.port(), "GET", "/").statusCode()).isEqualTo(404);
      HttpResponse<String> post = send(s.port(), "POST", "/metrics");
      assertThat(post.statusCode()).isEqualTo(405);
      assertThat(post.headers().firstValue("Allow")).contains("GET, HEAD");
    }
  }

  /** What a raw HTTP/1.1 request with this Host header gets back: the status line. */
  static String statusLine(int port, String host) throws Exception {
    try (Socket sock = new Socket("127.0.0.1", port)) {
      sock.getOutputStream().write(("GET /health HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      return new BufferedReader(new InputStreamReader(sock.getInputStream(),
          StandardCharsets.US_ASCII)).readLine();
    }
  }

  /**
   * DNS rebinding: a page the operator visits rebinds its own name to 127.0.0.1 and reads /health,
   * /, /account. On loopback only the loopback names are served (with the port); anything else is
   * 421, so such a page reads nothing.
   */
  @Test
  void onLoopbackOnlyLoopbackHostNamesAreServed() throws Exception {
    try (StatusServer s = new StatusServer(new InetSocketAddress("127.0.0.1", 0), new StopguardMetrics().registry(),
        () -> Health.of(WatchHealth.none(), List.of()))) {
      int port = s.port();
      for (String ok : List.of("127.0.0.1:" + port, "localhost:" + port, "[::1]:" + port, "127.0.0.1", "LOCALHOST:" + port)) {
        assertThat(statusLine(port, ok)).as(ok).contains(" 200");
      }
      for (String evil : List.of("evil.example", "evil.example:" + port, "127.0.0.1.evil.example:" + port, "attacker:" + port)) {
        assertThat(statusLine(port, evil)).as(evil).contains(" 421");
      }
    }
  }
}
