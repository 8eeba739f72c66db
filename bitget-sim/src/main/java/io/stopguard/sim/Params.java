package io.stopguard.sim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Reading a request's parameters the way Bitget refuses them: missing, blank, not a number, out of
 * range, a product type that does not go with the demo header.
 */
final class Params {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Params() {}

  static String required(Map<String, String> b, String key) {
    String v = b.get(key);
    if (blank(v)) throw SimError.missing(key);
    return v;
  }

  static BigDecimal decimal(String text, String name) {
    try {
      return new BigDecimal(text);
    } catch (NumberFormatException e) {
      throw SimError.bad("40017", "Parameter " + name + " verification failed");
    }
  }

  static boolean blank(String s) {
    return s == null || s.isEmpty();
  }

  /** The simulator trades USDT-margined contracts only: a symbol of another product type does not exist for trading. */
  static void usdtOnly(String productType, String symbol) {
    if (!usdt(productType)) throw SimError.bad("40034", "Parameter " + symbol + " does not exist");
  }

  static boolean usdt(String productType) {
    return productType.equals("USDT-FUTURES") || productType.equals("SUSDT-FUTURES");
  }

  static int limit(Map<String, String> q) {
    if (!q.containsKey("limit") || q.get("limit").isEmpty()) return 100;
    int limit = intParam(q.get("limit"));
    if (limit < 1 || limit > 100) throw SimError.paramInvalid();
    return limit;
  }

  static Long idLessThan(Map<String, String> q) {
    return q.containsKey("idLessThan") && !q.get("idLessThan").isEmpty() ? longParam(q.get("idLessThan")) : null;
  }

  /**
   * Product type of a private request, case-insensitive as on Bitget. Demo product types
   * (S-prefixed) go with the {@code paptrading: 1} header and only with it: a mix is rejected
   * (simulator's strict choice).
   */
  static String productType(String pt, Map<String, String> h) {
    String up = publicProductType(pt);
    boolean demoHeader = "1".equals(h.get("paptrading"));
    boolean demoType = up.startsWith("S");
    if (demoHeader && !demoType) throw SimError.bad("40099", "The demo trading environment only supports S-prefixed productType");
    if (!demoHeader && demoType) throw SimError.bad("40099", "Demo productType needs the paptrading header");
    return up;
  }

  /**
   * Product type of a public market request: any of the six, with or without the demo header
   * (ccxt loads all six without it; Bitget's docs list all six as valid).
   */
  static String publicProductType(String pt) {
    if (blank(pt)) throw SimError.missing("productType");
    String up = pt.toUpperCase(Locale.ROOT);
    if (!PublicMarkets.PRODUCT_TYPES.contains(up)) throw SimError.bad("40034", "Parameter productType does not exist");
    return up;
  }

  static String marginCoin(String productType) {
    return productType.startsWith("S") ? "SUSDT" : "USDT"; // only asked for the USDT-margined types
  }

  static Map<String, String> flatBody(String body) {
    JsonNode n = parseBody(body);
    Map<String, String> m = new LinkedHashMap<>();
    for (var it = n.fields(); it.hasNext(); ) {
      var e = it.next();
      if (e.getValue().isValueNode() && !e.getValue().isNull()) m.put(e.getKey(), e.getValue().asText());
    }
    return m;
  }

  static JsonNode parseBody(String body) {
    if (blank(body)) throw SimError.paramInvalid();
    try {
      JsonNode n = JSON.readTree(body);
      if (n == null || !n.isObject()) throw SimError.paramInvalid();
      return n;
    } catch (JsonProcessingException e) {
      throw SimError.bad("40017", "Parameter verification failed: body is not valid JSON");
    }
  }

  static String text(JsonNode n, String field) {
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

  static int intParam(String s) {
    try {
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      throw SimError.paramInvalid();
    }
  }

  static long longParam(String s) {
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw SimError.paramInvalid();
    }
  }

  static String blankToNull(String s) {
    return blank(s) ? null : s;
  }
}
