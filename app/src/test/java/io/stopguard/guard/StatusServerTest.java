package io.stopguard.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.stopguard.metrics.StopguardMetrics;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
        List::of, () -> Map.of(StatusServer.DEGRADED_BECAUSE, List.of("restore failing for 1:ETHUSDT:LONG")))) {
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
}
