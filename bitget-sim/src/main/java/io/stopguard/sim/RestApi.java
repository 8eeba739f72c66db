package io.stopguard.sim;

import static io.stopguard.sim.Params.blank;
import static io.stopguard.sim.Params.blankToNull;
import static io.stopguard.sim.Params.flatBody;
import static io.stopguard.sim.Params.idLessThan;
import static io.stopguard.sim.Params.limit;
import static io.stopguard.sim.Params.marginCoin;
import static io.stopguard.sim.Params.parseBody;
import static io.stopguard.sim.Params.parseQuery;
import static io.stopguard.sim.Params.productType;
import static io.stopguard.sim.Params.publicProductType;
import static io.stopguard.sim.Params.text;
import static io.stopguard.sim.Params.usdt;
import static io.stopguard.sim.Params.usdtOnly;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
  private final RestAuth auth;

  RestApi(SimExchange ex, Faults faults, RateLimits limits) {
    this.ex = ex;
    this.faults = faults;
    this.limits = limits;
    this.auth = new RestAuth(ex);
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
      r = ok(route(method, path, rawQuery, headers, body, clientIp));
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

  /** One endpoint: what it answers, given the request (and the account, for private ones). */
  @FunctionalInterface
  private interface Handler {
    Object handle(Req r);
  }

  /** A request being answered: query, body (flattened or parsed), headers and the account if private. */
  private final class Req {
    final Map<String, String> q;
    final String body;
    final Map<String, String> h;
    Account a;

    Req(Map<String, String> q, String body, Map<String, String> h) {
      this.q = q;
      this.body = body;
      this.h = h;
    }

    Map<String, String> flat() {
      return flatBody(body);
    }
  }

  private record Route(boolean isPrivate, Handler handler) {}

  /** Every endpoint, once: method and path to whether it needs a signature and its handler. */
  private final Map<String, Route> routes = routes();

  private Map<String, Route> routes() {
    Map<String, Route> m = new LinkedHashMap<>();
    // ---- public
    m.put("GET /api/v2/public/time", pub(r -> Map.of("serverTime", Long.toString(ex.now()))));
    m.put("GET /api/v2/spot/public/coins", pub(r -> PublicMarkets.coins(blankToNull(r.q.get("coin")))));
    m.put("GET /api/v2/spot/public/symbols", pub(r -> PublicMarkets.spotSymbols(blankToNull(r.q.get("symbol")))));
    m.put("GET /api/v2/margin/currencies", pub(r -> PublicMarkets.marginCurrencies()));
    m.put("GET /api/v2/mix/market/contracts", pub(r -> {
      String pt = publicProductType(r.q.get("productType"));
      String symbol = blankToNull(r.q.get("symbol"));
      // Demo accounts here hold the same symbols as live ones, so SUSDT-FUTURES lists the same contracts
      // (Bitget's older demo used S-prefixed names; FIDELITY.md, "demo symbols").
      return usdt(pt) ? ex.locked(() -> ex.wire.contractsJson(symbol)) : PublicMarkets.otherContracts(pt, symbol);
    }));
    m.put("GET /api/v2/mix/market/ticker", pub(r -> {
      usdtOnly(publicProductType(r.q.get("productType")), r.q.get("symbol"));
      String symbol = symbol(r.q.get("symbol"));
      return ex.locked(() -> ex.wire.tickerJson(symbol));
    }));
    m.put("GET /api/v2/mix/market/symbol-price", pub(r -> {
      usdtOnly(publicProductType(r.q.get("productType")), r.q.get("symbol"));
      String symbol = symbol(r.q.get("symbol"));
      return ex.locked(() -> ex.wire.symbolPriceJson(symbol));
    }));
    // ---- private: positions and account
    m.put("GET /api/v2/spot/account/info", priv(r -> Shapes.accountInfo(r.a.uid, String.join(",", r.a.ips),
        r.a.permissions.stream().map(ex.fidelity()::authorityCode).toList())));
    m.put("GET /api/v2/mix/position/all-position", priv(r -> {
      String pt = productType(r.q.get("productType"), r.h);
      return usdt(pt) ? ex.locked(() -> ex.wire.positionsJson(r.a, marginCoin(pt))) : List.of();
    }));
    m.put("GET /api/v2/mix/position/single-position", priv(r -> {
      String pt = productType(r.q.get("productType"), r.h);
      String symbol = symbol(r.q.get("symbol"));
      if (blank(r.q.get("marginCoin"))) throw SimError.missing("marginCoin");
      return ex.locked(() -> ex.wire.positionsJson(r.a, marginCoin(pt))).stream().filter(p -> symbol.equals(p.symbol())).toList();
    }));
    m.put("GET /api/v2/mix/account/account", priv(r -> {
      String pt = productType(r.q.get("productType"), r.h);
      String symbol = symbol(r.q.get("symbol"));
      if (blank(r.q.get("marginCoin"))) throw SimError.missing("marginCoin");
      return ex.locked(() -> ex.wire.accountJson(r.a, marginCoin(pt), symbol));
    }));
    m.put("GET /api/v2/mix/account/accounts", priv(r -> {
      String pt = productType(r.q.get("productType"), r.h);
      return usdt(pt) ? List.of(ex.locked(() -> ex.wire.accountJson(r.a, marginCoin(pt), null))) : List.of();
    }));
    m.put("POST /api/v2/mix/account/set-leverage", priv(r -> {
      Map<String, String> b = bodyWithSymbol(r);
      return ex.locked(() -> ex.settings.setLeverage(r.a, b));
    }));
    m.put("POST /api/v2/mix/account/set-position-mode", priv(r -> {
      Map<String, String> b = r.flat();
      productType(b.get("productType"), r.h);
      if (blank(b.get("posMode"))) throw SimError.missing("posMode");
      return ex.locked(() -> ex.settings.setPositionMode(r.a, b.get("posMode")));
    }));
    // ---- private: plan (trigger / TPSL) orders
    m.put("GET /api/v2/mix/order/orders-plan-pending", priv(r -> {
      String pt = productType(r.q.get("productType"), r.h);
      String planType = r.q.get("planType");
      if (blank(planType)) throw SimError.missing("planType");
      // Bitget's answer for a planType this list does not take (e.g. pos_loss): JKorf/Bitget.Net#39.
      if (!planType.equals("normal_plan") && !planType.equals("track_plan") && !planType.equals("profit_loss")) {
        throw SimError.bad("40812", "The condition planType is not met");
      }
      int limit = limit(r.q);
      String symbol = blank(r.q.get("symbol")) ? null : symbol(r.q.get("symbol"));
      if (!usdt(pt)) return Shapes.Page.empty();
      String orderId = blankToNull(r.q.get("orderId"));
      String clientOid = blankToNull(r.q.get("clientOid"));
      return ex.locked(() -> ex.wire.pendingPlansJson(r.a, planType, symbol, orderId, clientOid, idLessThan(r.q), limit,
          marginCoin(pt)));
    }));
    m.put("POST /api/v2/mix/order/place-tpsl-order", priv(r -> ex.locked(() -> ex.tpsl.place(r.a, bodyWithSymbol(r)))));
    m.put("POST /api/v2/mix/order/place-pos-tpsl", priv(r -> ex.locked(() -> ex.tpsl.placePositionTpsl(r.a, bodyWithSymbol(r)))));
    m.put("POST /api/v2/mix/order/modify-tpsl-order", priv(r -> ex.locked(() -> ex.tpsl.modify(r.a, bodyWithSymbol(r)))));
    m.put("POST /api/v2/mix/order/place-plan-order", priv(r -> {
      Map<String, String> b = bodyWithSymbol(r);
      return ex.locked(() -> ex.trading.placePlanOrder(r.a, b));
    }));
    m.put("POST /api/v2/mix/order/cancel-plan-order", priv(r -> {
      JsonNode b = parseBody(r.body);
      productType(text(b, "productType"), r.h);
      String symbol = text(b, "symbol") == null ? null : symbol(text(b, "symbol"));
      List<Map<String, String>> ids = new ArrayList<>();
      JsonNode list = b.path("orderIdList");
      if (!list.isMissingNode() && !list.isNull() && !list.isArray()) throw SimError.paramInvalid();
      for (JsonNode n : list) {
        Map<String, String> id = new LinkedHashMap<>();
        id.put("orderId", text(n, "orderId"));
        id.put("clientOid", text(n, "clientOid"));
        ids.add(id);
      }
      return ex.locked(() -> ex.tpsl.cancel(r.a, symbol, text(b, "planType"), ids));
    }));
    // ---- private: regular orders
    m.put("POST /api/v2/mix/order/place-order", priv(r -> {
      Map<String, String> b = bodyWithSymbol(r);
      return ex.locked(() -> ex.trading.placeOrder(r.a, b));
    }));
    m.put("POST /api/v2/mix/order/cancel-order", priv(r -> {
      Map<String, String> b = bodyWithSymbol(r);
      return ex.locked(() -> ex.trading.cancelOrder(r.a, b));
    }));
    m.put("GET /api/v2/mix/order/orders-pending", priv(r -> {
      String pt = productType(r.q.get("productType"), r.h);
      String symbol = blank(r.q.get("symbol")) ? null : symbol(r.q.get("symbol"));
      int limit = limit(r.q);
      if (!usdt(pt)) return Shapes.Page.empty();
      return ex.locked(() -> ex.trading.pendingOrdersJson(r.a, symbol, blankToNull(r.q.get("orderId")),
          blankToNull(r.q.get("clientOid")), blankToNull(r.q.get("status")), idLessThan(r.q), limit, marginCoin(pt)));
    }));
    m.put("GET /api/v2/mix/order/detail", priv(r -> {
      String pt = productType(r.q.get("productType"), r.h);
      String symbol = symbol(r.q.get("symbol"));
      return ex.locked(() -> ex.trading.detailJson(r.a, symbol, blankToNull(r.q.get("orderId")),
          blankToNull(r.q.get("clientOid")), marginCoin(pt)));
    }));
    return Collections.unmodifiableMap(m);
  }

  private static Route pub(Handler h) {
    return new Route(false, h);
  }

  private static Route priv(Handler h) {
    return new Route(true, h);
  }

  private Object route(String method, String path, String rawQuery, Map<String, String> h, String body, String clientIp) {
    Route route = routes.get(method + " " + path);
    if (route == null) {
      // A known path with the wrong method is refused like an unknown one (Bitget: 404 / 40404).
      throw new SimError(404, "40404", "Request URL NOT FOUND");
    }
    Req r = new Req(parseQuery(rawQuery), body, h);
    if (route.isPrivate()) {
      r.a = auth.authenticate(method, path, rawQuery, h, body, clientIp);
      // every private POST here places, changes or cancels: a key without trade permission is refused
      if (method.equals("POST") && !r.a.permissions.contains("trade")) throw SimError.bad("40014", "Incorrect permissions");
    }
    return route.handler().handle(r);
  }

  /** A body whose productType is checked and whose symbol is the contract's own (see {@link SimExchange#requestSymbol}). */
  private Map<String, String> bodyWithSymbol(Req r) {
    Map<String, String> b = r.flat();
    String pt = productType(b.get("productType"), r.h);
    if (blank(b.get("symbol"))) throw SimError.missing("symbol");
    usdtOnly(pt, b.get("symbol"));
    b.put("symbol", symbol(b.get("symbol")));
    return b;
  }

  private String symbol(String s) {
    if (blank(s)) throw SimError.missing("symbol");
    return ex.requestSymbol(s);
  }

  // ------------------------------------------------------------------ envelope

  private Reply ok(Object data) {
    return new Reply(200, write(new Shapes.Envelope("00000", "success", ex.now(), data)));
  }

  private Reply error(int status, String code, String msg) {
    return new Reply(status, write(new Shapes.Envelope(code, msg, ex.now(), null)));
  }

  private String write(Object o) {
    try {
      return json.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
