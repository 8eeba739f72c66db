package io.stopguard.probe;

import io.stopguard.bitget.BitgetException;
import io.stopguard.bitget.KeyInfo;
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
import java.util.function.Consumer;

/**
 * Settles the unknowns of bitget-sim/FIDELITY.md on a real account: a scripted sequence on one
 * symbol (open the smallest position, place a pos_loss, a second one, read the lists, modify,
 * cancel in several ways, reuse a clientOid, watch the WebSocket, resize, close with the stop in
 * place), recording every answer. Whatever happens (a failed step, an exception, SIGINT through
 * {@link #abort}) {@link #cleanUp} closes what it opened and cancels what it placed, and says what
 * it could not.
 *
 * <p>Every request goes through {@link ProbeRequests}, one at a time under its lock: an abort waits for the request in
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
  private final ProbeRequests req;
  private volatile boolean aborted;
  private volatile boolean cleanedUp;
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
    this.req = new ProbeRequests(client, settings.symbol());
    this.progress = progress;
    this.run = "probe" + Long.toString(System.currentTimeMillis() % 100_000_000L, 36);
  }

  /** The report of a finished (or aborted) run. */
  public ProbeReport report() {
    return new ProbeReport(settings.symbol(), mode, List.copyOf(findings.values()), List.copyOf(req.exchanges),
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
    req.contract = contract;
    RawAnswer positions = req.send("GET", "/api/v2/mix/position/all-position", req.productParams(), null);
    for (JsonNode p : req.data(positions)) {
      if (settings.symbol().equalsIgnoreCase(p.path("symbol").asText())) {
        throw new ProbeRefusal("the account holds a " + p.path("holdSide").asText() + " position on " + settings.symbol()
            + ": the probe needs a symbol the account does not use (--symbol)");
      }
    }
    for (String planType : List.of("profit_loss", "normal_plan")) {
      if (req.list(planType).size() > 0) {
        throw new ProbeRefusal("the account has " + planType + " orders on " + settings.symbol()
            + ": the probe needs a symbol the account does not use (--symbol)");
      }
    }
    RawAnswer account = req.send("GET", "/api/v2/mix/account/account", Map.of("productType", client.productType(),
        "symbol", settings.symbol(), "marginCoin", client.marginCoin()), null);
    mode = PosMode.parse(account.ok() ? account.data().path("posMode").asText("one_way_mode") : "one_way_mode");
    req.mode = mode;
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

    step("ask what the key may do (account/info)");
    try {
      KeyInfo info = client.keyInfo();
      List<String> unknown = info.unknownCodes();
      finding("keyAuthorities", "authorities " + info.authorities() + (info.ips().isEmpty() ? ", not bound" : ", bound to " + info.ips()),
          unknown.isEmpty() ? "words" : "opaque");
    } catch (BitgetException e) {
      finding("keyAuthorities", "account/info refused: " + e.getMessage(), null);
    }

    step("open the smallest long");
    RawAnswer opened = req.send("POST", "/api/v2/mix/order/place-order", null, req.order("buy", size, false));
    if (!opened.ok()) throw new IllegalStateException("could not open a position: Bitget " + opened.code() + " " + opened.msg());
    openedPosition = true;
    JsonNode position = req.waitForPosition();
    BigDecimal mark = client.ticker(settings.symbol()).markPrice();
    BigDecimal liq = new BigDecimal(position.path("liquidationPrice").asText("0").isEmpty() ? "0"
        : position.path("liquidationPrice").asText("0"));

    step("place a pos_loss");
    long before = System.currentTimeMillis();
    RawAnswer a = req.placeStop(req.stopPrice(mark, liq, "0.97"), run + "a");
    if (!a.ok()) throw new IllegalStateException("could not place a pos_loss: Bitget " + a.code() + " " + a.msg());
    observeOrdersAlgo(before);

    step("read the plan list");
    List<JsonNode> stops = req.list("profit_loss");
    JsonNode mine = stops.stream().filter(o -> o.path("planType").asText().equals("pos_loss")).findFirst().orElse(null);
    if (mine == null) throw new IllegalStateException("the pos_loss just placed is not in orders-plan-pending");
    observeList(mine, position);

    step("read the plan list with a lower-case symbol");
    RawAnswer lower = req.send("GET", "/api/v2/mix/order/orders-plan-pending",
        req.with(req.productParams(), "planType", "profit_loss", "symbol", settings.symbol().toLowerCase(Locale.ROOT)), null);
    finding("requestSymbolCase", lower.ok() ? "a lower-case symbol is accepted" : "refused: " + lower.code() + " " + lower.msg(),
        lower.ok() ? "any" : "exact");

    step("ask orders-plan-pending for planType=pos_loss");
    RawAnswer bad = req.send("GET", "/api/v2/mix/order/orders-plan-pending", req.with(req.productParams(), "planType", "pos_loss"), null);
    settled("ordersPlanPendingPosLoss", bad.ok() ? "accepted" : bad.code() + " " + bad.msg(), "40812".equals(bad.code()),
        "FIDELITY.md: 40812 \"The condition planType is not met\" (JKorf/Bitget.Net#39)");

    step("place a second pos_loss");
    RawAnswer b = req.placeStop(req.stopPrice(mark, liq, "0.96"), run + "b");
    List<JsonNode> after = req.stopsOf(req.list("profit_loss"));
    if (!b.ok()) {
      finding("secondPosLoss", "refused: " + b.code() + " " + b.msg(), "reject");
    } else if (after.size() == 1) {
      finding("secondPosLoss", "accepted; the first was replaced", "replace");
    } else {
      finding("secondPosLoss", "accepted; " + after.size() + " pos_loss orders live on one position", null);
    }
    JsonNode live1 = after.get(0);

    step("modify the stop");
    RawAnswer modified = req.send("POST", "/api/v2/mix/order/modify-tpsl-order", null, req.body("orderId", live1.path("orderId").asText(),
        "triggerPrice", req.stopPrice(mark, liq, "0.95").toPlainString(), "triggerType", "mark_price"));
    settled("modifyPosLoss", modified.ok() ? "modified" : modified.code() + " " + modified.msg(), modified.ok(),
        "the guard moves hedge-mode stops with modify-tpsl-order");
    if (after.size() > 1) req.cancel(after.get(1), "pos_loss");

    step("cancel without planType");
    RawAnswer noType = req.send("POST", "/api/v2/mix/order/cancel-plan-order", null,
        req.body("orderIdList", List.of(Map.of("orderId", live1.path("orderId").asText()))));
    boolean stillThere = req.stopsOf(req.list("profit_loss")).stream()
        .anyMatch(o -> o.path("orderId").asText().equals(live1.path("orderId").asText()));
    settled("cancelWithoutPlanType", (noType.ok() ? "answered 00000" : "answered " + noType.code()) + "; the pos_loss "
        + (stillThere ? "stayed" : "was cancelled"), stillThere, "FIDELITY.md: only normal_plan is in scope without planType");

    step("cancel an unknown id");
    RawAnswer unknown = req.send("POST", "/api/v2/mix/order/cancel-plan-order", null,
        req.body("planType", "pos_loss", "orderIdList", List.of(Map.of("orderId", "1"))));
    if (unknown.ok()) {
      boolean listed = unknown.data().path("failureList").size() > 0;
      finding("cancelUnknown", "HTTP 200" + (listed ? ", in failureList" : ", failureList empty"), listed ? "failure-list" : null);
    } else {
      finding("cancelUnknown", "refused: " + unknown.code() + " " + unknown.msg(), "error");
    }

    step("cancel the stop with its planType");
    if (stillThere) req.cancel(live1, "pos_loss");

    step("reuse a clientOid");
    RawAnswer again = req.placeStop(req.stopPrice(mark, liq, "0.97"), run + "a");
    if (again.ok()) {
      finding("duplicateClientOid", "accepted (the clientOid of a cancelled stop is free again)", null);
    } else {
      String code = again.code();
      finding("duplicateClientOid", "refused: " + code + " " + again.msg(), code.equals("40786") || code.equals("40757") ? code : null);
    }
    if (req.stopsOf(req.list("profit_loss")).isEmpty()) req.placeStop(req.stopPrice(mark, liq, "0.97"), run + "c");

    step("watch the WebSocket while nothing is done");
    long quietFrom = System.currentTimeMillis();
    req.sleep(settings.observeMs());
    if (pushes.errors().isEmpty() && live) {
      long positionsPushes = pushes.pushes().stream().filter(p -> p.atMs() >= quietFrom && p.channel().equals("positions")).count();
      finding("positionsPushOnMark", positionsPushes + " positions push(es) in " + settings.observeMs() / 1000 + " s without a change",
          positionsPushes > 0 ? "yes" : "no");
    } else {
      finding("positionsPushOnMark", "not observed (WebSocket not live)", "not-observed");
    }

    if (!settings.live()) {
      step("resize the position with the stop in place");
      req.send("POST", "/api/v2/mix/order/place-order", null, req.order("buy", size, false));
      JsonNode resized = req.waitForPosition();
      List<JsonNode> kept = req.stopsOf(req.list("profit_loss"));
      finding("posLossOnResize", kept.isEmpty() ? "the stop was cancelled" : "the stop stayed; size " + kept.get(0).path("size").asText()
          + " of " + resized.path("total").asText(), kept.isEmpty() ? "cancel" : "keep");
      if (kept.isEmpty()) req.placeStop(req.stopPrice(mark, liq, "0.97"), run + "d"); // the close below needs a stop in place
    } else {
      finding("posLossOnResize", "not observed (a live key: no resize)", "not-observed");
    }

    step("close the position by hand with the stop in place");
    leftovers.addAll(req.closePosition());
    openedPosition = false;
    List<JsonNode> left = req.stopsOf(req.list("profit_loss"));
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
        finding("ordersAlgoAction", "\"" + action + "\" with " + push.get().items() + " req.order(s)",
            action.equals("update") || action.equals("snapshot") ? action : null);
        return;
      }
      req.sleep(100);
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
    req.stopped = true;
    cleanUp();
  }

  /**
   * After the clean-up: switch the position mode to the other one and back, where Bitget allows it
   * (no position, no order on the whole account). Recorded, never required: the guard reads the
   * mode of every position afresh.
   */
  public void switchPositionMode() {
    req.lock.lock(); // an abort (SIGINT) waits for both switches: the account is never left in the other mode
    try {
      switchPositionModeLocked();
    } finally {
      req.lock.unlock();
    }
  }

  private void switchPositionModeLocked() {
    if (!cleanedUp || !leftovers.isEmpty() || mode == null || aborted) return;
    step = "switch the position mode";
    req.step = step;
    progress.accept("- " + step);
    String other = mode == PosMode.HEDGE ? "one_way_mode" : "hedge_mode";
    String back = mode == PosMode.HEDGE ? "hedge_mode" : "one_way_mode";
    RawAnswer there = req.raw("POST", "/api/v2/mix/account/set-position-mode", null,
        Map.of("productType", client.productType(), "posMode", other));
    if (!there.ok()) {
      settled("positionModeSwitch", "not allowed now: " + there.code() + " " + there.msg()
          + " (the account holds positions or orders elsewhere)", true, "refused while anything is open, as documented");
      return;
    }
    RawAnswer returned = req.raw("POST", "/api/v2/mix/account/set-position-mode", null,
        Map.of("productType", client.productType(), "posMode", back));
    if (!returned.ok()) leftovers.add("the account's position mode is now " + other + " (switching back answered "
        + returned.code() + " " + returned.msg() + "): set it back to " + back + " in Bitget's app");
    settled("positionModeSwitch", "switched to " + other + " and back" + (returned.ok() ? "" : " FAILED"), returned.ok(),
        "allowed on an empty account");
  }

  /** Cancels every order this run placed and closes the position it opened; what it cannot, it lists. */
  public void cleanUp() {
    req.lock.lock();
    try {
      if (cleanedUp) return;
      cleanedUp = true;
      req.stopped = true;
      step = "clean-up";
      req.step = step;
      if (pushes != null) pushes.step("clean-up");
      try {
        for (String planType : List.of("profit_loss", "normal_plan")) {
          for (JsonNode o : req.listUnlocked(planType)) {
            if (!o.path("clientOid").asText().startsWith(run)) continue;
            RawAnswer r = req.raw("POST", "/api/v2/mix/order/cancel-plan-order", null, req.body("planType", o.path("planType").asText(),
                "orderIdList", List.of(Map.of("orderId", o.path("orderId").asText()))));
            if (!r.ok()) leftovers.add("plan order " + o.path("orderId").asText() + " (" + o.path("planType").asText() + "): cancel answered "
                + r.code() + " " + r.msg());
          }
        }
        if (symbolIsOurs) leftovers.addAll(req.closePositionUnlocked()); // also when the opening order's answer was lost
        for (JsonNode o : req.listUnlocked("profit_loss")) {
          if (o.path("clientOid").asText().startsWith(run)) leftovers.add("plan order " + o.path("orderId").asText() + " still pending");
        }
        for (JsonNode p : req.data(req.raw("GET", "/api/v2/mix/position/all-position", req.productParams(), null))) {
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
      req.lock.unlock();
    }
  }

  private void step(String name) {
    req.checkAborted();
    step = name;
    req.step = name;
    if (pushes != null) pushes.step(name);
    progress.accept("- " + name);
  }
}
