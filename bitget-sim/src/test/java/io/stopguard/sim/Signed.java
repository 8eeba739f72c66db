package io.stopguard.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.function.LongSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** A bare signed Bitget request (tests that need exact requests, independent of the project's client). */
record Signed(URI base, String key, String secret, String passphrase, LongSupplier clock) {
  static final HttpClient HTTP = HttpClient.newHttpClient();
  static final ObjectMapper JSON = new ObjectMapper();

  Signed(URI base, String key, String secret, String passphrase) {
    this(base, key, secret, passphrase, System::currentTimeMillis);
  }

  /** The answer: HTTP status and the parsed envelope. */
  record Answer(int status, JsonNode body) {
    String code() {
      return body.path("code").asText();
    }

    JsonNode data() {
      return body.path("data");
    }
  }

  Answer get(String pathAndQuery) {
    return send("GET", pathAndQuery, "");
  }

  Answer post(String path, String body) {
    return send("POST", path, body);
  }

  Answer send(String method, String pathAndQuery, String body) {
    String ts = Long.toString(clock.getAsLong());
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      String sign = Base64.getEncoder().encodeToString(mac.doFinal((ts + method + pathAndQuery + body).getBytes(StandardCharsets.UTF_8)));
      HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(pathAndQuery)).header("ACCESS-KEY", key)
          .header("ACCESS-SIGN", sign).header("ACCESS-TIMESTAMP", ts).header("ACCESS-PASSPHRASE", passphrase)
          .header("Content-Type", "application/json");
      b = method.equals("GET") ? b.GET() : b.POST(HttpRequest.BodyPublishers.ofString(body));
      HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Answer(r.statusCode(), JSON.readTree(r.body()));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
