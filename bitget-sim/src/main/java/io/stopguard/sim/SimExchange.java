package io.stopguard.sim;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The simulated exchange's state: contracts with mark prices, accounts with API keys, positions and
 * plan orders; price moves and what they trigger; what happens "from outside" (control API, drills).
 * Every operation holds the exchange's monitor, so REST handlers, the in-process control methods and
 * tests see one consistent state. Its rooms: the model ({@link Contract}, {@link Account},
 * {@link Pos}, {@link Plan}), {@link ScenarioLoader}, {@link TpslOrders} (TP/SL validation as Bitget does it),
 * {@link Trading} (regular and conditional orders), {@link WireShapes} (Bitget's answer shapes), and
 * {@link Fidelity} (the switches for unknown behaviours). Where the docs are silent the simulator
 * takes the stricter choice (bitget-sim/README.md, FIDELITY.md).
 */
public final class SimExchange {
  /** Maintenance margin rate used for derived liquidation prices. */
  static final BigDecimal MAINTENANCE_MARGIN_RATE = new BigDecimal("0.004");

  private final Map<String, Contract> contracts = new LinkedHashMap<>();
  /** Read without the lock by the REST layer's authentication; written under it. */
  private final Map<String, Account> accountsByKey = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong(1_200_000_000_000_000_000L);
  private final LongSupplier clock;
  private final List<SimListener> listeners = new CopyOnWriteArrayList<>();
  private volatile Fidelity fidelity = Fidelity.DEFAULT;
  private volatile Scenario.WebSocketSpec webSocketLimits = Scenario.WebSocketSpec.BITGET;

  /** The switches for unknown Bitget behaviours in force (see {@link Fidelity}). */
  public Fidelity fidelity() {
    return fidelity;
  }

  public void fidelity(Fidelity f) {
    this.fidelity = f == null ? Fidelity.DEFAULT : f;
  }

  public Scenario.WebSocketSpec webSocketLimits() {
    return webSocketLimits;
  }

  public void webSocketLimits(Scenario.WebSocketSpec w) {
    this.webSocketLimits = w == null ? Scenario.WebSocketSpec.BITGET : w;
  }

  /**
   * A symbol from a request, as the contract's own: upper case exactly ({@code requestSymbolCase=exact},
   * anything else is 40034 as for an unknown symbol) or in any case ({@code any}).
   */
  synchronized String requestSymbol(String symbol) {
    Contract c = contracts.get(symbol.toUpperCase(Locale.ROOT));
    if (c == null || (fidelity.requestSymbolCase().equals("exact") && !c.symbol.equals(symbol))) {
      throw SimError.bad("40034", "Parameter " + symbol + " does not exist");
    }
    return c.symbol;
  }

  public SimExchange(LongSupplier clock) {
    this.clock = clock;
    for (Contract c : Contract.DEFAULTS) contracts.put(c.symbol, c.copy());
  }

  public SimExchange() {
    this(System::currentTimeMillis);
  }

  public static SimExchange fromScenario(Scenario scenario) {
    SimExchange ex = new SimExchange();
    ex.load(scenario);
    return ex;
  }

  public long now() {
    return clock.getAsLong();
  }

  private final SimHistory history = new SimHistory();

  /** The event history (enable it first); see {@link SimHistory}. */
  public SimHistory history() {
    return history;
  }

  public void addListener(SimListener l) {
    listeners.add(l);
  }

  public void removeListener(SimListener l) {
    listeners.remove(l);
  }

  /** Pushes stop reaching connected WebSockets (they stay open): a silent stream, for drills. */
  public void removeAllListenersForTest() {
    listeners.clear();
  }

  final Trading trading = new Trading(this);
  final AccountSettings settings = new AccountSettings(this);
  private final Triggers triggers = new Triggers(this);

  Contract contract(String symbol) {
    return contracts.get(symbol);
  }

  String nextId() {
    return Long.toString(ids.incrementAndGet());
  }

  void firePositions(Account a) {
    for (SimListener l : listeners) l.positionsChanged(a.uid, a.apiKey);
  }

  void firePlan(Account a, Plan o, String status) {
    if (listeners.isEmpty()) return;
    Shapes.WsPlan m = wire.wsPlanJson(a, o, status);
    for (SimListener l : listeners) l.planChanged(a.uid, a.apiKey, m);
  }

  // ------------------------------------------------------------------ loading: ScenarioLoader

  final ScenarioLoader loader = new ScenarioLoader(this);

  /** Adds a scenario's contracts and accounts. Invalid scenarios fail with one clear line. */
  public synchronized void load(Scenario s) {
    fidelity(s.fidelity());
    webSocketLimits(s.websocket());
    try {
      loader.load(s);
    } catch (NullPointerException | ArithmeticException e) { // a field left out that the checks above did not name
      throw new IllegalArgumentException("scenario incomplete or out of range: every position needs symbol, holdSide and total;"
          + " every plan order symbol, planType, holdSide and triggerPrice (see bitget-sim/README.md)");
    }
  }

  /**
   * Isolated-margin liquidation estimate: long {@code entry × (1 − 1/lev + mmr)}, short
   * {@code entry × (1 + 1/lev − mmr)}, rounded to the tick towards the entry (liquidation comes no
   * later than the estimate). Used for cross margin too (the simulator has no wallet balance).
   */
  static BigDecimal liquidationPrice(Contract c, boolean isLong, BigDecimal entry, int leverage) {
    BigDecimal inv = BigDecimal.ONE.divide(BigDecimal.valueOf(leverage), MathContext.DECIMAL64);
    BigDecimal factor = isLong ? BigDecimal.ONE.subtract(inv).add(MAINTENANCE_MARGIN_RATE)
        : BigDecimal.ONE.add(inv).subtract(MAINTENANCE_MARGIN_RATE);
    BigDecimal raw = entry.multiply(factor);
    BigDecimal p = c.round(raw, isLong ? RoundingMode.CEILING : RoundingMode.FLOOR);
    return p.signum() > 0 ? p : c.tick();
  }

  void putContract(Contract c) {
    contracts.put(c.symbol, c);
  }

  boolean hasKey(String apiKey) {
    return accountsByKey.containsKey(apiKey);
  }

  void putAccount(Account a) {
    accountsByKey.put(a.apiKey, a);
  }

  private Contract contractOrFail(String symbol, String where) {
    return loader.contractOrFail(symbol, where);
  }

  private static Side side(String s, String where) {
    return ScenarioLoader.side(s, where);
  }

  // ------------------------------------------------------------------ lookups for the REST layer

  Account accountByKey(String apiKey) {
    return accountsByKey.get(apiKey);
  }

  /**
   * Runs {@code body} under the exchange's monitor: how the REST and WebSocket layers reach the
   * model's rooms ({@link TpslOrders}, {@link Trading}, {@link AccountSettings}, {@link WireShapes}).
   */
  synchronized <T> T locked(Supplier<T> body) {
    return body.get();
  }

  final TpslOrders tpsl = new TpslOrders(this);

  final WireShapes wire = new WireShapes(this);

  Collection<Contract> contractList() {
    return contracts.values();
  }

  Collection<Account> accounts() {
    return accountsByKey.values();
  }

  /** A snapshot of the whole state, for the control API. */
  public synchronized Map<String, Object> stateJson() {
    return wire.stateJson();
  }

  // ------------------------------------------------------------------ control (tests, demo, drills)

  /**
   * Moves the mark price of a symbol, rounded to its tick; the last traded price follows it (the
   * simulator has no trades of its own). Then {@link Triggers#priceMoved}: triggers, liquidations, fills.
   */
  public synchronized void setMarkPrice(String symbol, BigDecimal price) {
    Contract c = contractOrFail(symbol, "setMarkPrice");
    if (price.signum() <= 0) throw new IllegalArgumentException("mark price must be > 0");
    c.markPrice = c.validPrice(price) ? price : c.round(price, RoundingMode.HALF_UP);
    c.lastPrice = c.markPrice;
    triggers.priceMoved(c, true);
  }

  /** Moves only the mark price (index moves, trades lag): mark_price triggers see it, fill_price ones do not. */
  public synchronized void setMarkPriceOnly(String symbol, BigDecimal price) {
    Contract c = contractOrFail(symbol, "setMarkPriceOnly");
    if (price.signum() <= 0) throw new IllegalArgumentException("mark price must be > 0");
    c.markPrice = c.validPrice(price) ? price : c.round(price, RoundingMode.HALF_UP);
    triggers.priceMoved(c, true);
  }

  /**
   * Moves only the last traded price (a print away from mark, e.g. a wick on a thin book):
   * {@code fill_price} triggers and resting limit orders see it, {@code mark_price} ones do not.
   */
  public synchronized void setLastPrice(String symbol, BigDecimal price) {
    Contract c = contractOrFail(symbol, "setLastPrice");
    if (price.signum() <= 0) throw new IllegalArgumentException("last price must be > 0");
    c.lastPrice = c.validPrice(price) ? price : c.round(price, RoundingMode.HALF_UP);
    triggers.priceMoved(c, false);
  }

  /**
   * A position closed by its owner (a market order, the app, another bot): gone, and its TPSL
   * orders cancelled with it, or left pending ({@code posLossOnClose=keep}; unknown, FIDELITY.md).
   */
  void closedByHand(Account a, Pos p) {
    a.positions.remove(p);
    if (!fidelity.keepPosLossOnClose()) triggers.cancelPlansOf(a, p, "cancelled");
  }

  /** A position resized by an order: its whole-position TPSL orders stay, or go ({@code posLossOnResize=cancel}; unknown). */
  void resizedByHand(Account a, Pos p) {
    if (!fidelity.cancelPosLossOnResize()) return;
    for (Plan o : List.copyOf(a.plans)) {
      if (o.symbol.equals(p.symbol) && o.holdSide == p.holdSide && o.planType.wholePosition()) {
        a.plans.remove(o);
        firePlan(a, o, "cancelled");
      }
    }
  }

  /**
   * Resizes a position "from outside" (the trader adds to it or takes some off in Bitget's app),
   * keeping its entry price; its whole-position stops follow {@code posLossOnResize}.
   */
  public synchronized void resizePosition(String uid, String symbol, String holdSide, BigDecimal total) {
    Account a = accountByUid(uid);
    Side side = side(holdSide, "resize");
    Pos p = a.positions.stream().filter(x -> x.symbol.equalsIgnoreCase(symbol) && x.holdSide == side).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no " + side + " position on " + symbol + " for uid " + uid));
    if (total.signum() <= 0) throw new IllegalArgumentException("total must be > 0 (close the position instead)");
    p.total = total;
    p.uTime = now();
    resizedByHand(a, p);
    history.add(now(), "outside-resize", uid, p.symbol, side.wire, null, null, null, total.toPlainString());
    firePositions(a);
  }

  /** Opens (or replaces) a position "from outside", e.g. a trader's manual order. */
  public synchronized void openPosition(String uid, Scenario.PositionSpec spec) {
    Account a = accountByUid(uid);
    Contract c = contractOrFail(spec.symbol(), "openPosition");
    Side side = side(spec.holdSide(), "openPosition");
    a.positions.removeIf(p -> p.symbol.equals(c.symbol) && (p.holdSide == side || !a.hedge()));
    loader.openPosition(a, spec, "openPosition");
    history.add(now(), "outside-open", uid, c.symbol, side.wire, null, null, null, spec.total().toPlainString());
    firePositions(a);
  }

  /** Every account's uid, for the control API and drills. */
  public synchronized List<String> uids() {
    return accountsByKey.values().stream().map(a -> a.uid).toList();
  }

  /** The uid of an API key, for rate limits; null when unknown. */
  String uidOfKey(String apiKey) {
    Account a = accountsByKey.get(apiKey);
    return a == null ? null : a.uid;
  }

  public synchronized BigDecimal markPrice(String symbol) {
    return contractOrFail(symbol, "markPrice").markPrice;
  }

  /** Cancels every stop-loss of a position "from outside", as a human or another bot would. */
  public synchronized int cancelStopsFromOutside(String uid, String symbol, String holdSide) {
    Account a = accountByUid(uid);
    Side side = side(holdSide, "cancel");
    int n = 0;
    for (Plan o : List.copyOf(a.plans)) {
      if (o.symbol.equalsIgnoreCase(symbol) && o.holdSide == side && o.planType.loss()) {
        a.plans.remove(o);
        firePlan(a, o, "cancelled");
        history.add(now(), "outside-cancel", uid, o.symbol, side.wire, o.planType.wire, o.clientOid, null, o.orderId);
        n++;
      }
    }
    return n;
  }

  /**
   * Closes a position "from outside" (a human, another bot, or liquidation): the position goes and
   * its whole-position TPSL orders with it, as on Bitget. Returns whether there was one.
   */
  public synchronized boolean closePosition(String uid, String symbol, String holdSide) {
    Account a = accountByUid(uid);
    Side side = side(holdSide, "close");
    Optional<Pos> p = a.positions.stream().filter(x -> x.symbol.equalsIgnoreCase(symbol) && x.holdSide == side).findFirst();
    if (p.isEmpty()) return false;
    closedByHand(a, p.get());
    firePositions(a);
    history.add(now(), "outside-close", uid, p.get().symbol, side.wire, null, null, null, null);
    return true;
  }

  /**
   * Every open position as {@code uid:SYMBOL:side} with its number of pending pos_loss orders: one
   * consistent look (under the exchange's lock) for a checker sampling protection over time.
   */
  public synchronized Map<String, Long> positionStops() {
    Map<String, Long> out = new TreeMap<>();
    for (Account a : accountsByKey.values()) {
      for (Pos p : a.positions) {
        out.put(a.uid + ":" + p.symbol + ":" + p.holdSide, a.plans.stream().filter(o -> o.planType == PlanKind.POS_LOSS
            && o.symbol.equals(p.symbol) && o.holdSide == p.holdSide).count());
      }
    }
    return out;
  }

  /** Number of pending plan orders of one type on a position (tests: "exactly one stop"). */
  public synchronized long countPlans(String uid, String symbol, String holdSide, String planType) {
    Account a = accountByUid(uid);
    Side side = side(holdSide, "count");
    return a.plans.stream().filter(o -> o.symbol.equalsIgnoreCase(symbol) && o.holdSide == side
        && o.planType.wire.equals(planType)).count();
  }

  private Account accountByUid(String uid) {
    return accountsByKey.values().stream().filter(a -> a.uid.equals(uid)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no account with uid " + uid));
  }

}
