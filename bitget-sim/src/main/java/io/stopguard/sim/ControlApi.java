package io.stopguard.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The simulator's control API under {@code /_sim/} on the same port: what a test, a demo or a drill
 * does "from outside" (a human on Bitget's UI, another bot, the market). No authentication; the
 * simulator listens on 127.0.0.1 only. Documented in bitget-sim/README.md.
 */
final class ControlApi {
  private final SimExchange ex;
  private final Faults faults;
  private final RateLimits limits;
  private final SimServer server;
  private final ObjectMapper json = new ObjectMapper();

  ControlApi(SimExchange ex, Faults faults, RateLimits limits, SimServer server) {
    this.ex = ex;
    this.faults = faults;
    this.limits = limits;
    this.server = server;
  }

  RestApi.Reply handle(String method, String path, String body) {
    try {
      JsonNode b = body == null || body.isBlank() ? json.createObjectNode() : json.readTree(body);
      Object result = switch (method + " " + path) {
        case "GET /_sim/state" -> ex.stateJson();
        case "POST /_sim/mark" -> {
          ex.setMarkPrice(text(b, "symbol"), new BigDecimal(text(b, "price")));
          yield Map.of("markPrice", ex.markPrice(text(b, "symbol")).toPlainString());
        }
        case "POST /_sim/last" -> {
          ex.setLastPrice(text(b, "symbol"), new BigDecimal(text(b, "price")));
          yield Map.of("symbol", text(b, "symbol"));
        }
        case "POST /_sim/cancel-stop" -> Map.of("cancelled", ex.cancelStopsFromOutside(text(b, "uid"), text(b, "symbol"),
            text(b, "holdSide")));
        case "POST /_sim/close-position" -> Map.of("closed", ex.closePosition(text(b, "uid"), text(b, "symbol"),
            text(b, "holdSide")));
        case "POST /_sim/open-position" -> {
          Scenario.PositionSpec spec = json.treeToValue(b.path("position"), Scenario.PositionSpec.class);
          ex.openPosition(text(b, "uid"), spec);
          yield Map.of("opened", true);
        }
        case "POST /_sim/faults" -> {
          Faults.Spec spec = new Faults.Spec(b.path("latencyMs").asLong(0), b.path("jitterMs").asLong(0),
              b.path("errorRate").asDouble(0), b.path("tooManyRequests").asInt(0), b.path("malformedRate").asDouble(0),
              b.path("truncatedRate").asDouble(0), b.path("lateAnswerMs").asLong(0));
          faults.set(b.path("endpoint").asText("*"), spec);
          yield faults.all();
        }
        case "DELETE /_sim/faults" -> {
          faults.clear();
          yield Map.of();
        }
        case "POST /_sim/rate-limits" -> {
          limits.enabled = b.path("enabled").asBoolean(true);
          yield Map.of("enabled", limits.enabled);
        }
        case "POST /_sim/ws/drop" -> Map.of("dropped", server.dropWebSockets(b.hasNonNull("uid") ? b.get("uid").asText() : null));
        case "POST /_sim/load" -> {
          ex.load(Scenario.parse(body));
          yield Map.of("accounts", ex.uids().size());
        }
        default -> throw new IllegalArgumentException("unknown control endpoint " + method + " " + path
            + " (see bitget-sim/README.md)");
      };
      Map<String, Object> ok = new LinkedHashMap<>();
      ok.put("ok", true);
      ok.put("result", result);
      return new RestApi.Reply(200, json.writeValueAsString(ok));
    } catch (Exception e) {
      try {
        return new RestApi.Reply(400, json.writeValueAsString(Map.of("ok", false, "error", String.valueOf(e.getMessage()))));
      } catch (Exception never) {
        return new RestApi.Reply(400, "{\"ok\":false}");
      }
    }
  }

  private static String text(JsonNode b, String field) {
    JsonNode v = b.get(field);
    if (v == null || v.isNull() || v.asText().isEmpty()) throw new IllegalArgumentException(field + " is required");
    return v.asText();
  }
}
