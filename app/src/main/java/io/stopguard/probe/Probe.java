package io.stopguard.probe;

import com.fasterxml.jackson.databind.JsonNode;
import io.stopguard.bitget.BitgetClient;
import io.stopguard.bitget.BitgetClient.RawAnswer;
import io.stopguard.bitget.Contract;
import io.stopguard.bitget.Credentials;
import io.stopguard.bitget.PosMode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Settles the unknowns of bitget-sim/FIDELITY.md on a real account: a scripted sequence on one
 * symbol (open the smallest position, place a pos_loss, a second one, read the lists, modify,
 * cancel in several ways, reuse a clientOid, watch the WebSocket, resize, close with the stop in
 * place), recording every answer. Whatever happens (a failed step, an exception, SIGINT through
 * {@link #abort}) {@link #cleanUp} closes what it opened and cancels what it placed, and says what
 * it could not.
 *
 * <p>Every request goes through {@link #send}, which holds a lock: an abort waits for the request in
 * flight, so nothing the probe sends lands after the clean-up looked.
 */
public final class Probe {
  /** One request and Bitget's answer, as recorded for the report (no headers: no key, no signature). */
  public record Exchange(String step, String method, String path, Map<String, String> params, Object body, int status,
      String code, String msg, JsonNode data) {}

  /** Thrown inside a step when the probe was aborted (SIGINT): the clean-up takes over. */
  static final class Aborted extends RuntimeException {
    Aborted() {
      super("aborted", null, false, false);
    }
  }

  /** What the probe needs to know about its run. */
  public record Settings(String symbol, long observeMs, boolean live) {}

  private final BitgetClient client;
  private final Credentials credentials;
  private final URI webSocketUrl;
  private final Settings settings;
  private final Consumer<String> progress;
  private final String run;
  private final ReentrantLock lock = new ReentrantLock();
  private volatile boolean aborted;
  private volatile boolean cleanedUp;
  private final List<Exchange> exchanges = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Map<String, Finding> findings = new LinkedHashMap<>();
  private final List<String> leftovers = new ArrayList<>();
  private volatile String step = "start";
  private PushRecorder pushes;
  private boolean openedPosition;
  /** Set once the preflight found the symbol unused: from then on, any position on it is the probe's. */
  private volatile boolean symbolIsOurs;

  // What the run learnt about the account and the symbol.
  private Contract contract;
  private PosMode mode;
  private BigDecimal size;

  public Probe(BitgetClient client, Credentials credentials, URI webSocketUrl, Settings settings, Consumer<String> progress) {
    this.client = client;
    this.credentials = credentials;
    this.webSocketUrl = webSocketUrl;
    this.settings = settings;
    this.progress = progress;
    this.run = "probe" + Long.toString(System.currentTimeMillis() % 100_000_000L, 36);
  }

  /** The report of a finished (or aborted) run. */
  public ProbeReport report() {
    return new ProbeReport(settings.symbol(), mode, List.copyOf(findings.values()), List.copyOf(exchanges),
        pushes == null ? List.of() : pushes.pushes(), List.copyOf(leftovers), aborted);
  }

  // ------------------------------------------------------------------ the script

  /** Runs every step, then cleans up. Returns the report; never throws for what Bitget answers. */
  public ProbeReport run() {
    try {
      preflight();
      script();
    } catch (Aborted a) {
      progress.accept("aborted during '" + step + "': cleaning up");
    } catch (ProbeRefusal r) {
      throw r;
    } catch (RuntimeException e) {
      progress.accept("step '" + step + "' failed: " + e.getMessage() + "; cleaning up");
      findings.putIfAbsent("error", new Finding("error", "step '" + step + "' failed: " + e.getMessage(), null,
          "the probe stopped early; the findings above are what it saw before"));
    } finally {
      cleanUp();
    }
    switchPositionMode();
    return report();
  }

  /** The position and orders the probe works with must be its own: refuse a symbol in use. */
  private void preflight() {
    step = "preflight";
    contract = client.contracts().stream().filter(c -> c.symbol().equals(settings.symbol())).findFirst()
        .orElseThrow(() -> new ProbeRefusal("unknown symbol " + settings.symbol() + " on this exchange"));
    RawAnswer positions = send("GET", "/api/v2/mix/position/all-position", productParams(), null);
    for (JsonNode p : data(positions)) {
      if (settings.symbol().equalsIgnoreCase(p.path("symbol").asText())) {
        throw new ProbeRefusal("the account holds a " + p.path("holdSide").asText() + " position on " + settings.symbol()
            + ": the probe needs a symbol the account does not use (--symbol)");
      }
    }
    for (String planType : List.of("profit_loss", "normal_plan")) {
      if (list(planType).size() > 0) {
        throw new ProbeRefusal("the account has " + planType + " orders on " + settings.symbol()
            + ": the probe needs a symbol the account does not use (--symbol)");
      }
    }
    RawAnswer account = send("GET", "/api/v2/mix/account/account", Map.of("productType", client.productType(),
        "symbol", settings.symbol(), "marginCoin", client.marginCoin()), null);
    mode = PosMode.parse(account.ok() ? account.data().path("posMode").asText("one_way_mode") : "one_way_mode");
    BigDecimal mark = client.ticker(settings.symbol()).markPrice();
    // The smallest size Bitget accepts: minTradeNum, and at least minTradeUSDT (5 USDT) of notional.
    BigDecimal step = contract.sizeMultiplier() == null || contract.sizeMultiplier().signum() == 0
        ? BigDecimal.ONE.movePointLeft(contract.volumePlace()) : contract.sizeMultiplier();
    BigDecimal minUsdt = contract.minTradeUSDT() == null ? new BigDecimal("5") : contract.minTradeUSDT();
    BigDecimal byNotional = minUsdt.divide(mark, contract.volumePlace() + 4, RoundingMode.UP);
    BigDecimal min = contract.minTradeNum().max(byNotional).divide(step, 0, RoundingMode.UP).multiply(step);
    size = min.stripTrailingZeros();
    symbolIsOurs = true;
    progress.accept("probing " + settings.symbol() + " (" + (mode == PosMode.HEDGE ? "hedge" : "one-way") + " mode) with "
        + size.toPlainString() + " contracts, run " + run);
  }

  private void script() {
    step = "websocket";
    pushes = new PushRecorder(System::currentTimeMillis);
    boolean live = pushes.open(webSocketUrl, credentials, client.demoTrading(), client.clockOffsetMillis());
    if (!live) progress.accept("WebSocket not live (" + String.join("; ", pushes.errors()) + "): push findings will be 'not observed'");

    step("open the smallest long");
    RawAnswer opened = send("POST", "/api/v2/mix/order/place-order", null, order("buy", size, false));
    if (!opened.ok()) throw new IllegalStateException("could not open a position: Bitget " + opened.code() + " " + opened.msg());
    openedPosition = true;
    JsonNode position = waitForPosition();
    BigDecimal mark = client.ticker(settings.symbol()).markPrice();
    BigDecimal liq = new BigDecimal(position.path("liquidationPrice").asText("0").isEmpty() ? "0"
        : position.path("liquidationPrice").asText("0"));

    step("place a pos_loss");
    long before = System.currentTimeMillis();
    RawAnswer a = placeStop(stopPrice(mark, liq, "0.97"), run + "a");
    if (!a.ok()) throw new IllegalStateException("could not place a pos_loss: Bitget " + a.code() + " " + a.msg());
    observeOrdersAlgo(before);

    step("read the plan list");
    List<JsonNode> stops = list("profit_loss");
    JsonNode mine = stops.stream().filter(o -> o.path("planType").asText().equals("pos_loss")).findFirst().orElse(null);
    if (mine == null) throw new IllegalStateException("the pos_loss just placed is not in orders-plan-pending");
    observeList(mine, position);

    step("read the plan list with a lower-case symbol");
    RawAnswer lower = send("GET", "/api/v2/mix/order/orders-plan-pending",
        with(productParams(), "planType", "profit_loss", "symbol", settings.symbol().toLowerCase(Locale.ROOT)), null);
    finding("requestSymbolCase", lower.ok() ? "a lower-case symbol is accepted" : "refused: " + lower.code() + " " + lower.msg(),
        lower.ok() ? "any" : "exact");

    step("ask orders-plan-pending for planType=pos_loss");
    RawAnswer bad = send("GET", "/api/v2/mix/order/orders-plan-pending", with(productParams(), "planType", "pos_loss"), null);
    settled("ordersPlanPendingPosLoss", bad.ok() ? "accepted" : bad.code() + " " + bad.msg(), "40812".equals(bad.code()),
        "FIDELITY.md: 40812 \"The condition planType is not met\" (JKorf/Bitget.Net#39)");

    step("place a second pos_loss");
    RawAnswer b = placeStop(stopPrice(mark, liq, "0.96"), run + "b");
    List<JsonNode> after = stopsOf(list("profit_loss"));
    if (!b.ok()) {
      finding("secondPosLoss", "refused: " + b.code() + " " + b.msg(), "reject");
    } else if (after.size() == 1) {
      finding("secondPosLoss", "accepted; the first was replaced", "replace");
    } else {
      finding("secondPosLoss", "accepted; " + after.size() + " pos_loss orders live on one position", null);
    }
    JsonNode live1 = after.get(0);

    step("modify the stop");
    RawAnswer modified = send("POST", "/api/v2/mix/order/modify-tpsl-order", null, body("orderId", live1.path("orderId").asText(),
        "triggerPrice", stopPrice(mark, liq, "0.95").toPlainString(), "triggerType", "mark_price"));
    settled("modifyPosLoss", modified.ok() ? "modified" : modified.code() + " " + modified.msg(), modified.ok(),
        "the guard moves hedge-mode stops with modify-tpsl-order");
    if (after.size() > 1) cancel(after.get(1), "pos_loss");

    step("cancel without planType");
    RawAnswer noType = send("POST", "/api/v2/mix/order/cancel-plan-order", null,
        body("orderIdList", List.of(Map.of("orderId", live1.path("orderId").asText()))));
    boolean stillThere = stopsOf(list("profit_loss")).stream()
        .anyMatch(o -> o.path("orderId").asText().equals(live1.path("orderId").asText()));
    settled("cancelWithoutPlanType", (noType.ok() ? "answered 00000" : "answered " + noType.code()) + "; the pos_loss "
        + (stillThere ? "stayed" : "was cancelled"), stillThere, "FIDELITY.md: only normal_plan is in scope without planType");

    step("cancel an unknown id");
    RawAnswer unknown = send("POST", "/api/v2/mix/order/cancel-plan-order", null,
        body("planType", "pos_loss", "orderIdList", List.of(Map.of("orderId", "1"))));
    if (unknown.ok()) {
      boolean listed = unknown.data().path("failureList").size() > 0;
      finding("cancelUnknown", "HTTP 200" + (listed ? ", in failureList" : ", failureList empty"), listed ? "failure-list" : null);
    } else {
      finding("cancelUnknown", "refused: " + unknown.code() + " " + unknown.msg(), "error");
    }

    step("cancel the stop with its planType");
    if (stillThere) cancel(live1, "pos_loss");

    step("reuse a clientOid");
    RawAnswer again = placeStop(stopPrice(mark, liq, "0.97"), run + "a");
    if (again.ok()) {
      finding("duplicateClientOid", "accepted (the clientOid of a cancelled stop is free again)", null);
    } else {
      String code = again.code();
      finding("duplicateClientOid", "refused: " + code + " " + again.msg(), code.equals("40786") || code.equals("40757") ? code : null);
    }
    if (stopsOf(list("profit_loss")).isEmpty()) placeStop(stopPrice(mark, liq, "0.97"), run + "c");

    step("watch the WebSocket while nothing is done");
    long quietFrom = System.currentTimeMillis();
    sleep(settings.observeMs());
    if (pushes.errors().isEmpty() && live) {
      long positionsPushes = pushes.pushes().stream().filter(p -> p.atMs() >= quietFrom && p.channel().equals("positions")).count();
      finding("positionsPushOnMark", positionsPushes + " positions push(es) in " + settings.observeMs() / 1000 + " s without a change",
          positionsPushes > 0 ? "yes" : "no");
    } else {
      finding("positionsPushOnMark", "not observed (WebSocket not live)", "not-observed");
    }

    if (!settings.live()) {
      step("resize the position with the stop in place");
      send("POST", "/api/v2/mix/order/place-order", null, order("buy", size, false));
      JsonNode resized = waitForPosition();
      List<JsonNode> kept = stopsOf(list("profit_loss"));
      finding("posLossOnResize", kept.isEmpty() ? "the stop was cancelled" : "the stop stayed; size " + kept.get(0).path("size").asText()
          + " of " + resized.path("total").asText(), kept.isEmpty() ? "cancel" : "keep");
      if (kept.isEmpty()) placeStop(stopPrice(mark, liq, "0.97"), run + "d"); // the close below needs a stop in place
    } else {
      finding("posLossOnResize", "not observed (a live key: no resize)", "not-observed");
    }

    step("close the position by hand with the stop in place");
    closePosition();
    openedPosition = false;
    List<JsonNode> left = stopsOf(list("profit_loss"));
    finding("posLossOnClose", left.isEmpty() ? "the stop was cancelled with the position" : "the stop stayed pending",
        left.isEmpty() ? "cancel" : "keep");
    step("done");
  }

  // ------------------------------------------------------------------ observations

  private void observeOrdersAlgo(long since) {
    if (pushes == null || !pushes.errors().isEmpty()) {
      finding("ordersAlgoAction", "not observed (WebSocket not live)", "not-observed");
      return;
    }
    long deadline = System.currentTimeMillis() + 3000;
    while (System.currentTimeMillis() < deadline) {
      var push = pushes.pushes().stream().filter(p -> p.atMs() >= since && p.channel().equals("orders-algo")).findFirst();
      if (push.isPresent()) {
        String action = push.get().action();
        finding("ordersAlgoAction", "\"" + action + "\" with " + push.get().items() + " order(s)",
            action.equals("update") || action.equals("snapshot") ? action : null);
        return;
      }
      sleep(100);
    }
    finding("ordersAlgoAction", "no orders-algo push within 3 s of a placement", "not-observed");
  }

  private void observeList(JsonNode stop, JsonNode position) {
    String symbol = stop.path("symbol").asText();
    finding("planSymbolCase", "\"" + symbol + "\"", symbol.equals(settings.symbol()) ? "upper"
        : symbol.equals(settings.symbol().toLowerCase(Locale.ROOT)) ? "lower" : null);
    String sizeText = stop.path("size").asText("");
    String total = position.path("total").asText();
    boolean isTotal = !sizeText.isEmpty() && new BigDecimal(sizeText).compareTo(new BigDecimal(total)) == 0;
    boolean empty = sizeText.isEmpty() || new BigDecimal(sizeText).signum() == 0;
    finding("posLossSize", "size \"" + sizeText + "\" for a position of " + total + " (the request sent none)",
        isTotal ? "position" : empty ? "sent" : null);
    String side = stop.path("side").asText();
    if (mode == PosMode.HEDGE) {
      finding("oneWaySide", "not applicable: a hedge-mode account (posSide " + stop.path("posSide").asText() + ")", "not-applicable");
    } else {
      finding("oneWaySide", "side \"" + side + "\" for a long", side.equals("buy") ? "position" : side.equals("sell") ? "closing" : null);
    }
  }

  private void finding(String unknown, String observed, String variant) {
    findings.put(unknown, new Finding(unknown, observed, variant, null));
    progress.accept(String.format("  %-20s %s%s", unknown, observed, variant == null ? "  (NOT MODELLED)" : ""));
  }

  private void settled(String name, String observed, boolean asExpected, String expectation) {
    findings.put(name, new Finding(name, observed, asExpected ? "as-documented" : null, expectation));
    progress.accept(String.format("  %-20s %s%s", name, observed, asExpected ? "" : "  (DIFFERS: " + expectation + ")"));
  }

  // ------------------------------------------------------------------ clean-up

  /**
   * Stops the run (SIGINT): waits for the request in flight, then cleans up. Safe to call from a
   * shutdown hook while {@link #run} is in progress, and more than once.
   */
  public void abort() {
    aborted = true;
    cleanUp();
  }

  /**
   * After the clean-up: switch the position mode to the other one and back, where Bitget allows it
   * (no position, no order on the whole account). Recorded, never required: the guard reads the
   * mode of every position afresh.
   */
  public void switchPositionMode() {
    lock.lock(); // an abort (SIGINT) waits for both switches: the account is never left in the other mode
    try {
      switchPositionModeLocked();
    } finally {
      lock.unlock();
    }
  }

  private void switchPositionModeLocked() {
    if (!cleanedUp || !leftovers.isEmpty() || mode == null || aborted) return;
    step = "switch the position mode";
    progress.accept("- " + step);
    String other = mode == PosMode.HEDGE ? "one_way_mode" : "hedge_mode";
    String back = mode == PosMode.HEDGE ? "hedge_mode" : "one_way_mode";
    RawAnswer there = raw("POST", "/api/v2/mix/account/set-position-mode", null,
        Map.of("productType", client.productType(), "posMode", other));
    if (!there.ok()) {
      settled("positionModeSwitch", "not allowed now: " + there.code() + " " + there.msg()
          + " (the account holds positions or orders elsewhere)", true, "refused while anything is open, as documented");
      return;
    }
    RawAnswer returned = raw("POST", "/api/v2/mix/account/set-position-mode", null,
        Map.of("productType", client.productType(), "posMode", back));
    if (!returned.ok()) leftovers.add("the account's position mode is now " + other + " (switching back answered "
        + returned.code() + " " + returned.msg() + "): set it back to " + back + " in Bitget's app");
    settled("positionModeSwitch", "switched to " + other + " and back" + (returned.ok() ? "" : " FAILED"), returned.ok(),
        "allowed on an empty account");
  }

  /** Cancels every order this run placed and closes the position it opened; what it cannot, it lists. */
  public void cleanUp() {
    lock.lock();
    try {
      if (cleanedUp) return;
      cleanedUp = true;
      step = "clean-up";
      if (pushes != null) pushes.step("clean-up");
      try {
        for (String planType : List.of("profit_loss", "normal_plan")) {
          for (JsonNode o : listUnlocked(planType)) {
            if (!o.path("clientOid").asText().startsWith(run)) continue;
            RawAnswer r = raw("POST", "/api/v2/mix/order/cancel-plan-order", null, body("planType", o.path("planType").asText(),
                "orderIdList", List.of(Map.of("orderId", o.path("orderId").asText()))));
            if (!r.ok()) leftovers.add("plan order " + o.path("orderId").asText() + " (" + o.path("planType").asText() + "): cancel answered "
                + r.code() + " " + r.msg());
          }
        }
        if (symbolIsOurs) closePositionUnlocked(); // also when the opening order's answer was lost
        for (JsonNode o : listUnlocked("profit_loss")) {
          if (o.path("clientOid").asText().startsWith(run)) leftovers.add("plan order " + o.path("orderId").asText() + " still pending");
        }
        for (JsonNode p : data(raw("GET", "/api/v2/mix/position/all-position", productParams(), null))) {
          if (settings.symbol().equalsIgnoreCase(p.path("symbol").asText()) && symbolIsOurs) {
            leftovers.add(p.path("holdSide").asText() + " position of " + p.path("total").asText() + " on " + settings.symbol());
          }
        }
      } catch (RuntimeException e) {
        leftovers.add("clean-up failed: " + e.getMessage() + " — check " + settings.symbol() + " by hand");
      } finally {
        if (pushes != null) pushes.close();
      }
    } finally {
      lock.unlock();
    }
  }

  private void closePosition() {
    lock.lock();
    try {
      checkAborted();
      closePositionUnlocked();
    } finally {
      lock.unlock();
    }
  }

  /** Closes whatever the account holds on the probe's symbol (the preflight made sure it held nothing before). */
  private void closePositionUnlocked() {
    for (JsonNode p : data(raw("GET", "/api/v2/mix/position/all-position", productParams(), null))) {
      if (!settings.symbol().equalsIgnoreCase(p.path("symbol").asText())) continue;
      BigDecimal total = new BigDecimal(p.path("total").asText("0"));
      if (total.signum() <= 0) continue;
      boolean isLong = p.path("holdSide").asText().equals("long");
      Map<String, Object> o = mode == PosMode.HEDGE ? order(isLong ? "buy" : "sell", total, true)
          : order(isLong ? "sell" : "buy", total, true);
      RawAnswer r = raw("POST", "/api/v2/mix/order/place-order", null, o);
      if (!r.ok()) leftovers.add("closing the " + p.path("holdSide").asText() + " position answered " + r.code() + " " + r.msg());
    }
  }

  // ------------------------------------------------------------------ requests

  private RawAnswer send(String method, String path, Map<String, String> params, Object body) {
    lock.lock();
    try {
      checkAborted();
      return raw(method, path, params, body);
    } finally {
      lock.unlock();
    }
  }

  private void checkAborted() {
    if (aborted || cleanedUp) throw new Aborted();
  }

  private RawAnswer raw(String method, String path, Map<String, String> params, Object body) {
    Map<String, String> p = params == null ? Map.of() : params;
    RawAnswer r = client.raw(method, path, p, body);
    exchanges.add(new Exchange(step, method, path, p, body, r.status(), r.code(), r.msg(), r.data()));
    return r;
  }

  private void step(String name) {
    checkAborted();
    step = name;
    if (pushes != null) pushes.step(name);
    progress.accept("- " + name);
  }

  private RawAnswer placeStop(BigDecimal trigger, String clientOid) {
    return send("POST", "/api/v2/mix/order/place-tpsl-order", null, body("planType", "pos_loss", "triggerPrice", trigger.toPlainString(),
        "triggerType", "mark_price", "holdSide", mode == PosMode.HEDGE ? "long" : "buy", "clientOid", clientOid));
  }

  private void cancel(JsonNode order, String planType) {
    send("POST", "/api/v2/mix/order/cancel-plan-order", null, body("planType", planType,
        "orderIdList", List.of(Map.of("orderId", order.path("orderId").asText()))));
  }

  private List<JsonNode> list(String planType) {
    lock.lock();
    try {
      checkAborted();
      return listUnlocked(planType);
    } finally {
      lock.unlock();
    }
  }

  private List<JsonNode> listUnlocked(String planType) {
    RawAnswer r = raw("GET", "/api/v2/mix/order/orders-plan-pending", with(productParams(), "planType", planType,
        "symbol", settings.symbol()), null);
    List<JsonNode> out = new ArrayList<>();
    if (r.ok()) r.data().path("entrustedList").forEach(out::add);
    return out;
  }

  private static List<JsonNode> stopsOf(List<JsonNode> plans) {
    return plans.stream().filter(o -> o.path("planType").asText().equals("pos_loss")).toList();
  }

  private JsonNode waitForPosition() {
    for (int i = 0; i < 20; i++) {
      for (JsonNode p : data(send("GET", "/api/v2/mix/position/all-position", productParams(), null))) {
        if (settings.symbol().equalsIgnoreCase(p.path("symbol").asText())) return p;
      }
      sleep(250);
    }
    throw new IllegalStateException("the position opened on " + settings.symbol() + " does not show in all-position");
  }

  /** A stop below the mark by {@code factor}, on the tick, and above the liquidation price. */
  private BigDecimal stopPrice(BigDecimal mark, BigDecimal liq, String factor) {
    BigDecimal p = contract.roundPrice(mark.multiply(new BigDecimal(factor)), RoundingMode.FLOOR);
    if (liq.signum() > 0 && p.compareTo(liq) <= 0) {
      p = contract.roundPrice(liq.add(mark.subtract(liq).divide(BigDecimal.TWO, RoundingMode.HALF_UP)), RoundingMode.CEILING);
    }
    return p;
  }

  private Map<String, Object> order(String side, BigDecimal qty, boolean close) {
    Map<String, Object> b = body("marginMode", "crossed", "side", side, "orderType", "market", "size", qty.toPlainString());
    if (mode == PosMode.HEDGE) b.put("tradeSide", close ? "close" : "open");
    else if (close) b.put("reduceOnly", "YES");
    return b;
  }

  private Map<String, Object> body(Object... kv) {
    Map<String, Object> b = new LinkedHashMap<>();
    b.put("symbol", settings.symbol());
    b.put("productType", client.productType());
    b.put("marginCoin", client.marginCoin());
    for (int i = 0; i < kv.length; i += 2) b.put((String) kv[i], kv[i + 1]);
    return b;
  }

  private Map<String, String> productParams() {
    return Map.of("productType", client.productType(), "marginCoin", client.marginCoin());
  }

  private static Map<String, String> with(Map<String, String> base, String... kv) {
    Map<String, String> m = new LinkedHashMap<>(base);
    for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
    return m;
  }

  private static Iterable<JsonNode> data(RawAnswer r) {
    return r.ok() && r.data() != null ? r.data() : List.of();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Aborted();
    }
  }
}
