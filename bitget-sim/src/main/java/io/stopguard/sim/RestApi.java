package io.stopguard.sim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Bitget's REST surface over {@link SimExchange}: routing, authentication (headers, timestamp
 * window, passphrase, HMAC signature) and the {@code {"code","msg","requestTime","data"}} envelope.
 * Independent of the project's client on purpose: it re-implements the documented rules.
 */
final class RestApi {
  /** Bitget rejects requests whose ACCESS-TIMESTAMP is more than 30 s from its clock. */
  static final long TIMESTAMP_WINDOW_MS = 30_000;

  record Reply(int status, String body) {}

  private final SimExchange ex;
  private final Faults faults;
  private final RateLimits limits;
  private final ObjectMapper json = new ObjectMapper();

  RestApi(SimExchange ex, Faults faults, RateLimits limits) {
    this.ex = ex;
    this.faults = faults;
    this.limits = limits;
  }

  /**
   * Handles one request; {@code rawQuery} is the query string as received, still percent-encoded.
   * Faults and rate limits apply before routing, as a proxy or Bitget's gateway would.
   */
  Reply handle(String method, String path, String rawQuery, Map<String, String> headers, String body, String clientIp) {
    String accessKey = headers.get("access-key");
    ex.history().add(ex.now(), "request", accessKey == null ? null : ex.uidOfKey(accessKey), null, null, null, null, null,
        method + " " + path + " from " + clientIp);
    long delay = faults.latencyMs(path);
    if (delay > 0) {
      try {
        Thread.sleep(delay);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    Faults.Outcome fault = faults.decide(path);
    switch (fault) {
      case TOO_MANY -> {
        return error(429, "429", "Too Many Requests");
      }
      case ERROR -> {
        return error(500, "40015", "System is abnormal, please try again later (simulated)");
      }
      case MALFORMED -> {
        return new Reply(502, "<html><body><h1>502 Bad Gateway</h1></body></html>");
      }
      default -> { }
    }
    if (!limits.allowIp(clientIp, ex.now())) {
      ex.history().add(ex.now(), "ip-refused", null, null, null, null, null, null, method + " " + path + " from " + clientIp);
      return error(429, "429", "Too Many Requests");
    }
    if (limits.enabled) {
      String key = headers.get("access-key");
      String uid = key == null ? null : ex.uidOfKey(key);
      if (!limits.allow(uid != null ? uid : clientIp, path, ex.now())) return error(429, "429", "Too Many Requests");
    }
    Reply r;
    try {
      r = ok(route(method, path, rawQuery, headers, body));
    } catch (SimError e) {
      r = error(e.httpStatus(), e.code(), e.getMessage());
    }
    long late = faults.lateAnswerMs(path);
    if (late > 0) { // executed; the answer is held (a client's timeout, or its death, loses it)
      try {
        Thread.sleep(late);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (fault == Faults.Outcome.TRUNCATED) { // the connection "breaks" mid-body
      return new Reply(r.status(), r.body().substring(0, r.body().length() / 2));
    }
    return r;
  }

  private Object route(String method, String path, String rawQuery, Map<String, String> h, String body) {
    Map<String, String> q = parseQuery(rawQuery);
    String route = method + " " + path;
    switch (route) {
      case "GET /api/v2/public/time" -> {
        return Map.of("serverTime", Long.toString(ex.now()));
      }
      case "GET /api/v2/mix/market/contracts" -> {
        productType(q.get("productType"), h);
        return ex.contractsJson(q.get("symbol"));
      }
      case "GET /api/v2/mix/market/ticker" -> {
        productType(q.get("productType"), h);
        String symbol = q.get("symbol");
        if (blank(symbol)) throw SimError.missing("symbol");
        return ex.tickerJson(symbol);
      }
      default -> { }
    }
    boolean known = switch (route) {
      case "GET /api/v2/mix/position/all-position", "GET /api/v2/mix/order/orders-plan-pending",
           "POST /api/v2/mix/order/place-tpsl-order", "POST /api/v2/mix/order/cancel-plan-order",
           "POST /api/v2/mix/order/modify-tpsl-order", "GET /api/v2/mix/account/account",
           "GET /api/v2/mix/account/accounts", "GET /api/v2/mix/position/single-position",
           "POST /api/v2/mix/order/place-pos-tpsl" -> true;
      default -> false;
    };
    if (!known) throw new SimError(404, "40404", "Request URL NOT FOUND");
    SimExchange.Account a = authenticate(method, path, rawQuery, h, body);
    return switch (route) {
      case "GET /api/v2/mix/position/all-position" -> {
        String pt = productType(q.get("productType"), h);
        yield ex.positionsJson(a, marginCoin(pt));
      }
      case "GET /api/v2/mix/order/orders-plan-pending" -> {
        String pt = productType(q.get("productType"), h);
        String planType = q.get("planType");
        if (planType == null || planType.isEmpty()) throw SimError.missing("planType");
        if (!planType.equals("normal_plan") && !planType.equals("track_plan") && !planType.equals("profit_loss")) {
          throw SimError.paramInvalid();
        }
        int limit = 100;
        if (q.containsKey("limit")) {
          limit = intParam(q.get("limit"));
          if (limit < 1 || limit > 100) throw SimError.paramInvalid();
        }
        Long idLessThan = q.containsKey("idLessThan") && !q.get("idLessThan").isEmpty() ? longParam(q.get("idLessThan")) : null;
        yield ex.pendingPlansJson(a, planType, q.get("symbol"), blankToNull(q.get("orderId")),
            blankToNull(q.get("clientOid")), idLessThan, limit, marginCoin(pt));
      }
      case "POST /api/v2/mix/order/place-tpsl-order" -> {
        Map<String, String> b = flatBody(body);
        productType(b.get("productType"), h);
        yield ex.placeTpsl(a, b);
      }
      case "GET /api/v2/mix/account/account" -> {
        String pt = productType(q.get("productType"), h);
        if (blank(q.get("symbol"))) throw SimError.missing("symbol");
        if (blank(q.get("marginCoin"))) throw SimError.missing("marginCoin");
        yield ex.accountJson(a, marginCoin(pt));
      }
      case "GET /api/v2/mix/account/accounts" -> {
        String pt = productType(q.get("productType"), h);
        yield List.of(ex.accountJson(a, marginCoin(pt)));
      }
      case "GET /api/v2/mix/position/single-position" -> {
        String pt = productType(q.get("productType"), h);
        String symbol = q.get("symbol");
        if (blank(symbol)) throw SimError.missing("symbol");
        if (blank(q.get("marginCoin"))) throw SimError.missing("marginCoin");
        yield ex.positionsJson(a, marginCoin(pt)).stream().filter(m -> symbol.equalsIgnoreCase((String) m.get("symbol"))).toList();
      }
      case "POST /api/v2/mix/order/place-pos-tpsl" -> {
        Map<String, String> b = flatBody(body);
        productType(b.get("productType"), h);
        yield ex.placePosTpsl(a, b);
      }
      case "POST /api/v2/mix/order/modify-tpsl-order" -> {
        Map<String, String> b = flatBody(body);
        productType(b.get("productType"), h);
        yield ex.modifyTpsl(a, b);
      }
      case "POST /api/v2/mix/order/cancel-plan-order" -> {
        JsonNode b = parseBody(body);
        productType(text(b, "productType"), h);
        List<Map<String, String>> ids = new ArrayList<>();
        JsonNode list = b.path("orderIdList");
        if (!list.isMissingNode() && !list.isNull() && !list.isArray()) throw SimError.paramInvalid();
        for (JsonNode n : list) {
          Map<String, String> id = new LinkedHashMap<>();
          id.put("orderId", text(n, "orderId"));
          id.put("clientOid", text(n, "clientOid"));
          ids.add(id);
        }
        yield ex.cancelPlans(a, text(b, "symbol"), text(b, "planType"), ids);
      }
      default -> throw new IllegalStateException(route);
    };
  }

  // ------------------------------------------------------------------ authentication

  private SimExchange.Account authenticate(String method, String path, String rawQuery, Map<String, String> h, String body) {
    String key = h.get("access-key");
    String sign = h.get("access-sign");
    String ts = h.get("access-timestamp");
    String pass = h.get("access-passphrase");
    if (blank(key)) throw SimError.bad("40001", "ACCESS_KEY cannot be empty");
    if (blank(sign)) throw SimError.bad("40003", "Signature cannot be empty");
    if (blank(ts)) throw SimError.bad("40005", "Invalid ACCESS_TIMESTAMP");
    if (blank(pass)) throw SimError.bad("40011", "ACCESS_PASSPHRASE cannot be empty");
    long t;
    try {
      t = Long.parseLong(ts);
    } catch (NumberFormatException e) {
      throw SimError.bad("40005", "Invalid ACCESS_TIMESTAMP");
    }
    if (Math.abs(ex.now() - t) > TIMESTAMP_WINDOW_MS) throw SimError.bad("40008", "Request timestamp expired");
    SimExchange.Account a = ex.accountByKey(key);
    if (a == null) throw SimError.bad("40037", "Apikey does not exist");
    if (!MessageDigest.isEqual(a.passphrase.getBytes(StandardCharsets.UTF_8), pass.getBytes(StandardCharsets.UTF_8))) {
      throw SimError.bad("40012", "apikey/password is incorrect");
    }
    // Verify against the query exactly as received, and its percent-decoded form (ccxt signs the raw one).
    String b = body == null ? "" : body;
    boolean valid = matches(a.secretKey, ts + method + path + (blank(rawQuery) ? "" : "?" + rawQuery) + b, sign);
    if (!valid && !blank(rawQuery)) {
      String decoded = URLDecoder.decode(rawQuery, StandardCharsets.UTF_8);
      valid = matches(a.secretKey, ts + method + path + "?" + decoded + b, sign);
    }
    if (!valid) throw SimError.bad("40009", "sign signature error");
    return a;
  }

  private static boolean matches(String secret, String preHash, String sign) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      byte[] expected = Base64.getEncoder().encode(mac.doFinal(preHash.getBytes(StandardCharsets.UTF_8)));
      return MessageDigest.isEqual(expected, sign.getBytes(StandardCharsets.UTF_8));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  // ------------------------------------------------------------------ parameters

  /**
   * Product type, case-insensitive as on Bitget. Demo product types (S-prefixed) go with the
   * {@code paptrading: 1} header and only with it: a mix is rejected (simulator's strict choice).
   */
  private static String productType(String pt, Map<String, String> h) {
    if (blank(pt)) throw SimError.missing("productType");
    String up = pt.toUpperCase(Locale.ROOT);
    boolean demoHeader = "1".equals(h.get("paptrading"));
    switch (up) {
      case "USDT-FUTURES" -> {
        if (demoHeader) throw SimError.bad("40099", "The demo trading environment only supports S-prefixed productType");
      }
      case "SUSDT-FUTURES" -> {
        if (!demoHeader) throw SimError.bad("40099", "Demo productType needs the paptrading header");
      }
      default -> throw SimError.bad("40034", "Parameter productType does not exist");
    }
    return up;
  }

  private static String marginCoin(String productType) {
    return productType.startsWith("S") ? "SUSDT" : "USDT";
  }

  private Map<String, String> flatBody(String body) {
    JsonNode n = parseBody(body);
    Map<String, String> m = new LinkedHashMap<>();
    for (var it = n.fields(); it.hasNext(); ) {
      var e = it.next();
      if (e.getValue().isValueNode() && !e.getValue().isNull()) m.put(e.getKey(), e.getValue().asText());
    }
    return m;
  }

  private JsonNode parseBody(String body) {
    if (blank(body)) throw SimError.paramInvalid();
    try {
      JsonNode n = json.readTree(body);
      if (n == null || !n.isObject()) throw SimError.paramInvalid();
      return n;
    } catch (JsonProcessingException e) {
      throw SimError.bad("40017", "Parameter verification failed: body is not valid JSON");
    }
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() || v.asText().isEmpty() ? null : v.asText();
  }

  static Map<String, String> parseQuery(String raw) {
    Map<String, String> m = new LinkedHashMap<>();
    if (blank(raw)) return m;
    for (String part : raw.split("&")) {
      if (part.isEmpty()) continue;
      int i = part.indexOf('=');
      String k = URLDecoder.decode(i < 0 ? part : part.substring(0, i), StandardCharsets.UTF_8);
      String v = i < 0 ? "" : URLDecoder.decode(part.substring(i + 1), StandardCharsets.UTF_8);
      m.put(k, v);
    }
    return m;
  }

  private static int intParam(String s) {
    try {
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      throw SimError.paramInvalid();
    }
  }

  private static long longParam(String s) {
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw SimError.paramInvalid();
    }
  }

  private static String blankToNull(String s) {
    return blank(s) ? null : s;
  }

  private static boolean blank(String s) {
    return s == null || s.isEmpty();
  }

  // ------------------------------------------------------------------ envelope

  private Reply ok(Object data) {
    Map<String, Object> env = new LinkedHashMap<>();
    env.put("code", "00000");
    env.put("msg", "success");
    env.put("requestTime", ex.now());
    env.put("data", data);
    return new Reply(200, write(env));
  }

  private Reply error(int status, String code, String msg) {
    Map<String, Object> env = new LinkedHashMap<>();
    env.put("code", code);
    env.put("msg", msg);
    env.put("requestTime", ex.now());
    env.put("data", null);
    return new Reply(status, write(env));
  }

  private String write(Object o) {
    try {
      return json.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
