package io.stopguard.probe;

import com.fasterxml.jackson.databind.JsonNode;
import io.stopguard.bitget.BitgetClient;
import io.stopguard.bitget.BitgetClient.RawAnswer;
import io.stopguard.bitget.Contract;
import io.stopguard.bitget.PosMode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The probe's hands on the account: every request it sends, one at a time under one lock (so an
 * abort waits for the request in flight), each recorded with Bitget's answer (never a header: no
 * key, no signature); refused once the probe is stopped.
 */
final class ProbeRequests {
  final BitgetClient client;
  final String symbol;
  final ReentrantLock lock = new ReentrantLock();
  final List<Probe.Exchange> exchanges = new CopyOnWriteArrayList<>();
  volatile String step = "start";
  volatile PosMode mode;
  /** The symbol's tick rules (stop prices are put on its tick). */
  volatile Contract contract;
  /** Set by an abort or the clean-up: no further step may send anything. */
  volatile boolean stopped;

  ProbeRequests(BitgetClient client, String symbol) {
    this.client = client;
    this.symbol = symbol;
  }

  /** Closes what is on the symbol (as a step: refused once the probe is stopped); returns what failed. */
  List<String> closePosition() {
    lock.lock();
    try {
      checkAborted();
      return closePositionUnlocked();
    } finally {
      lock.unlock();
    }
  }

  /** Closes whatever the account holds on the probe's symbol (the preflight made sure it held nothing before). */
  List<String> closePositionUnlocked() {
    List<String> problems = new ArrayList<>();
    for (JsonNode p : data(raw("GET", "/api/v2/mix/position/all-position", productParams(), null))) {
      if (!symbol.equalsIgnoreCase(p.path("symbol").asText())) continue;
      BigDecimal total = new BigDecimal(p.path("total").asText("0"));
      if (total.signum() <= 0) continue;
      boolean isLong = p.path("holdSide").asText().equals("long");
      Map<String, Object> o = mode == PosMode.HEDGE ? order(isLong ? "buy" : "sell", total, true)
          : order(isLong ? "sell" : "buy", total, true);
      RawAnswer r = raw("POST", "/api/v2/mix/order/place-order", null, o);
      if (!r.ok()) problems.add("closing the " + p.path("holdSide").asText() + " position answered " + r.code() + " " + r.msg());
    }
    return problems;
  }

  RawAnswer send(String method, String path, Map<String, String> params, Object body) {
    lock.lock();
    try {
      checkAborted();
      return raw(method, path, params, body);
    } finally {
      lock.unlock();
    }
  }

  void checkAborted() {
    if (stopped) throw new Probe.Aborted();
  }

  RawAnswer raw(String method, String path, Map<String, String> params, Object body) {
    Map<String, String> p = params == null ? Map.of() : params;
    RawAnswer r = client.raw(method, path, p, body);
    exchanges.add(new Probe.Exchange(step, method, path, p, body, r.status(), r.code(), r.msg(), r.data()));
    return r;
  }

  RawAnswer placeStop(BigDecimal trigger, String clientOid) {
    return send("POST", "/api/v2/mix/order/place-tpsl-order", null, body("planType", "pos_loss", "triggerPrice", trigger.toPlainString(),
        "triggerType", "mark_price", "holdSide", mode == PosMode.HEDGE ? "long" : "buy", "clientOid", clientOid));
  }

  void cancel(JsonNode order, String planType) {
    send("POST", "/api/v2/mix/order/cancel-plan-order", null, body("planType", planType,
        "orderIdList", List.of(Map.of("orderId", order.path("orderId").asText()))));
  }

  List<JsonNode> list(String planType) {
    lock.lock();
    try {
      checkAborted();
      return listUnlocked(planType);
    } finally {
      lock.unlock();
    }
  }

  List<JsonNode> listUnlocked(String planType) {
    RawAnswer r = raw("GET", "/api/v2/mix/order/orders-plan-pending", with(productParams(), "planType", planType,
        "symbol", symbol), null);
    List<JsonNode> out = new ArrayList<>();
    if (r.ok()) r.data().path("entrustedList").forEach(out::add);
    return out;
  }

  static List<JsonNode> stopsOf(List<JsonNode> plans) {
    return plans.stream().filter(o -> o.path("planType").asText().equals("pos_loss")).toList();
  }

  JsonNode waitForPosition() {
    for (int i = 0; i < 20; i++) {
      for (JsonNode p : data(send("GET", "/api/v2/mix/position/all-position", productParams(), null))) {
        if (symbol.equalsIgnoreCase(p.path("symbol").asText())) return p;
      }
      sleep(250);
    }
    throw new IllegalStateException("the position opened on " + symbol + " does not show in all-position");
  }

  /** A stop below the mark by {@code factor}, on the tick, and above the liquidation price. */
  BigDecimal stopPrice(BigDecimal mark, BigDecimal liq, String factor) {
    BigDecimal p = contract.roundPrice(mark.multiply(new BigDecimal(factor)), RoundingMode.FLOOR);
    if (liq.signum() > 0 && p.compareTo(liq) <= 0) {
      p = contract.roundPrice(liq.add(mark.subtract(liq).divide(BigDecimal.TWO, RoundingMode.HALF_UP)), RoundingMode.CEILING);
    }
    return p;
  }

  Map<String, Object> order(String side, BigDecimal qty, boolean close) {
    Map<String, Object> b = body("marginMode", "crossed", "side", side, "orderType", "market", "size", qty.toPlainString());
    if (mode == PosMode.HEDGE) b.put("tradeSide", close ? "close" : "open");
    else if (close) b.put("reduceOnly", "YES");
    return b;
  }

  Map<String, Object> body(Object... kv) {
    Map<String, Object> b = new LinkedHashMap<>();
    b.put("symbol", symbol);
    b.put("productType", client.productType());
    b.put("marginCoin", client.marginCoin());
    for (int i = 0; i < kv.length; i += 2) b.put((String) kv[i], kv[i + 1]);
    return b;
  }

  Map<String, String> productParams() {
    return Map.of("productType", client.productType(), "marginCoin", client.marginCoin());
  }

  static Map<String, String> with(Map<String, String> base, String... kv) {
    Map<String, String> m = new LinkedHashMap<>(base);
    for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
    return m;
  }

  static Iterable<JsonNode> data(RawAnswer r) {
    return r.ok() && r.data() != null ? r.data() : List.of();
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Probe.Aborted();
    }
  }
}
