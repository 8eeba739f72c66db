package io.stopguard.sim;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The simulated exchange's state: contracts with mark prices, accounts with API keys, positions and
 * plan orders. Every operation holds the exchange's monitor, so REST handlers, the in-process
 * control methods and tests see one consistent state. Validation follows Bitget's documented
 * behaviour and, where the docs are silent, the stricter choice (see bitget-sim/README.md).
 */
public final class SimExchange {
  /** Maintenance margin rate used for derived liquidation prices. */
  static final BigDecimal MAINTENANCE_MARGIN_RATE = new BigDecimal("0.004");

  private final Map<String, Contract> contracts = new LinkedHashMap<>();
  /** Read without the lock by the REST layer's authentication; written under it. */
  private final Map<String, Account> accountsByKey = new java.util.concurrent.ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong(1_200_000_000_000_000_000L);
  private final LongSupplier clock;
  private final List<SimListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
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
    for (Contract c : DEFAULT_CONTRACTS) contracts.put(c.symbol, c.copy());
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
    Map<String, Object> m = wsPlanJson(a, o, status);
    for (SimListener l : listeners) l.planChanged(a.uid, a.apiKey, m);
  }

  // ------------------------------------------------------------------ model

  static final class Contract {
    final String symbol;
    int pricePlace;
    int priceEndStep;
    int volumePlace;
    BigDecimal minTradeNum;
    BigDecimal sizeMultiplier;
    BigDecimal markPrice;
    /** Last traded price: follows the mark unless moved alone ({@link SimExchange#setLastPrice}). */
    BigDecimal lastPrice;
    int maxLever = 125;

    Contract(String symbol, int pricePlace, int priceEndStep, int volumePlace, String minTradeNum,
        String sizeMultiplier, String markPrice) {
      this.symbol = symbol;
      this.pricePlace = pricePlace;
      this.priceEndStep = priceEndStep;
      this.volumePlace = volumePlace;
      this.minTradeNum = new BigDecimal(minTradeNum);
      this.sizeMultiplier = new BigDecimal(sizeMultiplier);
      this.markPrice = new BigDecimal(markPrice);
      this.lastPrice = this.markPrice;
    }

    Contract copy() {
      return new Contract(symbol, pricePlace, priceEndStep, volumePlace, minTradeNum.toPlainString(),
          sizeMultiplier.toPlainString(), markPrice.toPlainString());
    }

    BigDecimal tick() {
      return BigDecimal.valueOf(priceEndStep).movePointLeft(pricePlace);
    }

    boolean validPrice(BigDecimal p) {
      return p.stripTrailingZeros().scale() <= pricePlace && p.remainder(tick()).signum() == 0;
    }

    boolean validSize(BigDecimal s) {
      return s.stripTrailingZeros().scale() <= volumePlace && s.remainder(sizeMultiplier).signum() == 0;
    }

    BigDecimal round(BigDecimal p, RoundingMode mode) {
      return p.divide(tick(), 0, mode).multiply(tick()).setScale(pricePlace, RoundingMode.UNNECESSARY);
    }
  }

  /** Built-in contracts; tick rules as on Bitget for these symbols, mark prices arbitrary. */
  static final List<Contract> DEFAULT_CONTRACTS = List.of(
      new Contract("BTCUSDT", 1, 1, 4, "0.0001", "0.0001", "95000.0"),
      new Contract("ETHUSDT", 2, 1, 2, "0.01", "0.01", "3500.00"),
      new Contract("DASHUSDT", 2, 1, 2, "0.01", "0.01", "68.50"),
      new Contract("SOLUSDT", 3, 1, 1, "0.1", "0.1", "180.000"),
      new Contract("XRPUSDT", 4, 1, 0, "1", "1", "2.3000"));

  static final class Account {
    final String uid;
    final String apiKey;
    final String secretKey;
    final String passphrase;
    volatile String posMode; // one_way_mode | hedge_mode (set-position-mode changes it)
    final List<Pos> positions = new ArrayList<>();
    final List<Plan> plans = new ArrayList<>();
    final Set<String> clientOids = new HashSet<>();
    /** Regular orders, open and done (order detail answers for both), oldest first. */
    final List<Trading.Order> orders = new ArrayList<>();
    /** Leverage set per symbol (set-leverage); positions opened later use it. Default 10. */
    final Map<String, Integer> leverage = new java.util.HashMap<>();

    Account(String uid, String apiKey, String secretKey, String passphrase, String posMode) {
      this.uid = uid;
      this.apiKey = apiKey;
      this.secretKey = secretKey;
      this.passphrase = passphrase;
      this.posMode = posMode;
    }

    boolean hedge() {
      return posMode.equals("hedge_mode");
    }

    Optional<Pos> position(String symbol, String holdSide) {
      return positions.stream().filter(p -> p.symbol.equals(symbol) && p.holdSide.equals(holdSide)).findFirst();
    }
  }

  static final class Pos {
    final String symbol;
    final String holdSide; // long | short
    BigDecimal total;
    BigDecimal openPriceAvg;
    int leverage;
    String marginMode;
    BigDecimal liquidationPrice;
    final long cTime;
    long uTime;

    Pos(String symbol, String holdSide, BigDecimal total, BigDecimal openPriceAvg, int leverage,
        String marginMode, BigDecimal liquidationPrice, long now) {
      this.symbol = symbol;
      this.holdSide = holdSide;
      this.total = total;
      this.openPriceAvg = openPriceAvg;
      this.leverage = leverage;
      this.marginMode = marginMode;
      this.liquidationPrice = liquidationPrice;
      this.cTime = now;
      this.uTime = now;
    }

    boolean isLong() {
      return holdSide.equals("long");
    }
  }

  static final class Plan {
    final String orderId;
    final String clientOid;
    final String symbol;
    final String planType;
    final String holdSide; // the position side: long | short
    BigDecimal triggerPrice;
    String triggerType;
    BigDecimal executePrice; // null: market
    BigDecimal size; // null for pos_loss / pos_profit
    /** The size a pos_loss / pos_profit request carried (ccxt sends one), for the posLossSize=sent variant. */
    BigDecimal sentSize;
    /** normal_plan only: the order it places when triggered. */
    String side;
    String tradeSide;
    boolean reduceOnly;
    String marginMode;
    /** normal_plan only: fires when the price rises to the trigger (else when it falls to it). */
    boolean triggerAbove;
    final long cTime;
    long uTime;

    Plan(String orderId, String clientOid, String symbol, String planType, String holdSide,
        BigDecimal triggerPrice, String triggerType, BigDecimal executePrice, BigDecimal size, long now) {
      this.orderId = orderId;
      this.clientOid = clientOid;
      this.symbol = symbol;
      this.planType = planType;
      this.holdSide = holdSide;
      this.triggerPrice = triggerPrice;
      this.triggerType = triggerType;
      this.executePrice = executePrice;
      this.size = size;
      this.cTime = now;
      this.uTime = now;
    }
  }

  static final Set<String> TPSL_TYPES = Set.of("pos_loss", "pos_profit", "loss_plan", "profit_plan", "moving_plan");
  static final Set<String> TRIGGER_TYPES = Set.of("mark_price", "fill_price");

  // ------------------------------------------------------------------ loading

  /** Adds a scenario's contracts and accounts. Invalid scenarios fail with one clear line. */
  public synchronized void load(Scenario s) {
    fidelity(s.fidelity());
    webSocketLimits(s.websocket());
    try {
      loadChecked(s);
    } catch (NullPointerException | ArithmeticException e) { // a field left out that the checks above did not name
      throw new IllegalArgumentException("scenario incomplete or out of range: every position needs symbol, holdSide and total;"
          + " every plan order symbol, planType, holdSide and triggerPrice (see bitget-sim/README.md)");
    }
  }

  private void loadChecked(Scenario s) {
    for (Scenario.ContractSpec cs : s.contracts()) {
      if (cs.symbol() == null) throw new IllegalArgumentException("contracts: every contract needs a symbol");
      String sym = cs.symbol().toUpperCase(Locale.ROOT);
      Contract c = contracts.get(sym);
      if (c == null) {
        if (cs.markPrice() == null) throw new IllegalArgumentException("contract " + sym + ": markPrice is required for a new symbol");
        c = new Contract(sym, 2, 1, 2, "0.01", "0.01", cs.markPrice().toPlainString());
        contracts.put(sym, c);
      }
      if (cs.pricePlace() != null) c.pricePlace = cs.pricePlace();
      if (cs.priceEndStep() != null) c.priceEndStep = cs.priceEndStep();
      if (cs.volumePlace() != null) {
        c.volumePlace = cs.volumePlace();
        if (cs.sizeMultiplier() == null) c.sizeMultiplier = BigDecimal.ONE.movePointLeft(c.volumePlace);
      }
      if (cs.minTradeNum() != null) c.minTradeNum = cs.minTradeNum();
      if (cs.sizeMultiplier() != null) c.sizeMultiplier = cs.sizeMultiplier();
      if (cs.markPrice() != null) c.markPrice = cs.markPrice();
      // Ranges before any arithmetic: a zero step would divide by zero, a huge place burn CPU.
      if (c.pricePlace < 0 || c.pricePlace > 12) throw new IllegalArgumentException("contract " + sym + ": pricePlace must be 0..12");
      if (c.priceEndStep < 1 || c.priceEndStep > 1000) {
        throw new IllegalArgumentException("contract " + sym + ": priceEndStep must be 1..1000");
      }
      if (c.volumePlace < 0 || c.volumePlace > 12) throw new IllegalArgumentException("contract " + sym + ": volumePlace must be 0..12");
      if (c.sizeMultiplier.signum() <= 0 || c.minTradeNum.signum() <= 0) {
        throw new IllegalArgumentException("contract " + sym + ": sizeMultiplier and minTradeNum must be > 0");
      }
      if (c.markPrice.signum() <= 0 || c.markPrice.precision() - c.markPrice.scale() > 15) {
        throw new IllegalArgumentException("contract " + sym + ": markPrice must be > 0 and at most 15 digits before the point");
      }
      if (!c.validPrice(c.markPrice)) c.markPrice = c.round(c.markPrice, RoundingMode.HALF_UP);
      c.lastPrice = c.markPrice;
    }
    for (Scenario.AccountSpec as : s.accounts()) {
      String where = "account " + as.uid();
      if (as.uid() == null || as.apiKey() == null || as.secretKey() == null || as.passphrase() == null) {
        throw new IllegalArgumentException(where + ": uid, apiKey, secretKey and passphrase are required");
      }
      if (accountsByKey.containsKey(as.apiKey())) throw new IllegalArgumentException(where + ": apiKey used twice");
      String mode = as.posMode() == null ? "one_way_mode" : as.posMode();
      if (!mode.equals("one_way_mode") && !mode.equals("hedge_mode")) {
        throw new IllegalArgumentException(where + ": posMode must be one_way_mode or hedge_mode");
      }
      Account a = new Account(as.uid(), as.apiKey(), as.secretKey(), as.passphrase(), mode);
      for (Scenario.PositionSpec ps : as.positions()) {
        openPosition(a, ps, where);
      }
      for (Scenario.PlanOrderSpec os : as.planOrders()) {
        addPlanFromScenario(a, os, where);
      }
      accountsByKey.put(a.apiKey, a);
    }
  }

  private void openPosition(Account a, Scenario.PositionSpec ps, String where) {
    Contract c = contractOrFail(ps.symbol(), where);
    String side = side(ps.holdSide(), where);
    if (ps.total() == null || ps.total().signum() <= 0) throw new IllegalArgumentException(where + " " + c.symbol + ": total must be > 0");
    if (!a.hedge() && a.positions.stream().anyMatch(p -> p.symbol.equals(c.symbol))) {
      throw new IllegalArgumentException(where + " " + c.symbol + ": one-way mode holds one position per symbol");
    }
    if (a.position(c.symbol, side).isPresent()) throw new IllegalArgumentException(where + " " + c.symbol + ": duplicate " + side + " position");
    BigDecimal entry = ps.openPriceAvg() != null ? ps.openPriceAvg() : c.markPrice;
    int lev = ps.leverage() != null ? ps.leverage() : 10;
    if (lev < 1 || lev > 125) throw new IllegalArgumentException(where + " " + c.symbol + ": leverage must be 1..125");
    String marginMode = ps.marginMode() != null ? ps.marginMode() : "crossed";
    if (marginMode.equals("cross")) marginMode = "crossed";
    BigDecimal liq = ps.liquidationPrice() != null ? ps.liquidationPrice() : liquidationPrice(c, side.equals("long"), entry, lev);
    a.positions.add(new Pos(c.symbol, side, ps.total(), entry, lev, marginMode, liq, now()));
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

  private void addPlanFromScenario(Account a, Scenario.PlanOrderSpec os, String where) {
    Contract c = contractOrFail(os.symbol(), where);
    String type = os.planType() == null ? "pos_loss" : os.planType();
    if (!TPSL_TYPES.contains(type) && !type.equals("normal_plan")) {
      throw new IllegalArgumentException(where + " " + c.symbol + ": planType must be normal_plan or one of " + TPSL_TYPES);
    }
    String side = side(os.holdSide(), where);
    if (os.triggerPrice() == null) throw new IllegalArgumentException(where + " " + c.symbol + ": planOrders need triggerPrice");
    String trig = os.triggerType() == null ? "mark_price" : os.triggerType();
    String oid = os.orderId() != null ? os.orderId() : Long.toString(ids.incrementAndGet());
    String coid = os.clientOid() != null ? os.clientOid() : oid + "_sim";
    a.clientOids.add(coid);
    Plan plan = new Plan(oid, coid, c.symbol, type, side, os.triggerPrice(), trig, os.executePrice(), os.size(), now());
    if (type.equals("normal_plan")) { // a conditional order that closes this side when triggered: not a stop
      if (os.size() == null) throw new IllegalArgumentException(where + " " + c.symbol + ": a normal_plan order needs size");
      plan.side = side.equals("long") == a.hedge() ? "buy" : "sell"; // hedge: buy + close closes a long
      plan.tradeSide = a.hedge() ? "close" : null;
      plan.reduceOnly = !a.hedge();
      plan.marginMode = "crossed";
      plan.triggerAbove = os.triggerPrice().compareTo(c.markPrice) >= 0;
    }
    a.plans.add(plan);
  }

  private Contract contractOrFail(String symbol, String where) {
    if (symbol == null) throw new IllegalArgumentException(where + ": symbol is required");
    Contract c = contracts.get(symbol.toUpperCase(Locale.ROOT));
    if (c == null) throw new IllegalArgumentException(where + ": unknown symbol " + symbol + " (add it under contracts:)");
    return c;
  }

  private static String side(String s, String where) {
    if (s == null) throw new IllegalArgumentException(where + ": holdSide is required (long or short)");
    return switch (s.toLowerCase(Locale.ROOT)) {
      case "long", "buy" -> "long";
      case "short", "sell" -> "short";
      default -> throw new IllegalArgumentException(where + ": holdSide must be long or short, not " + s);
    };
  }

  // ------------------------------------------------------------------ lookups for the REST layer

  Account accountByKey(String apiKey) {
    return accountsByKey.get(apiKey);
  }

  synchronized List<Map<String, Object>> contractsJson(String symbol) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Contract c : contracts.values()) {
      if (symbol != null && !c.symbol.equalsIgnoreCase(symbol)) continue;
      Map<String, Object> m = PublicMarkets.contractShape(c.symbol, c.symbol.replace("USDT", ""), "USDT", List.of("USDT"));
      m.put("minTradeNum", c.minTradeNum.toPlainString());
      m.put("priceEndStep", Integer.toString(c.priceEndStep));
      m.put("volumePlace", Integer.toString(c.volumePlace));
      m.put("pricePlace", Integer.toString(c.pricePlace));
      m.put("sizeMultiplier", c.sizeMultiplier.toPlainString());
      m.put("maxLever", Integer.toString(c.maxLever));
      out.add(m);
    }
    return out;
  }

  synchronized List<Map<String, Object>> positionsJson(Account a, String marginCoin) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Pos p : a.positions) {
      Contract c = contracts.get(p.symbol);
      BigDecimal mark = c.markPrice;
      BigDecimal diff = p.isLong() ? mark.subtract(p.openPriceAvg) : p.openPriceAvg.subtract(mark);
      BigDecimal upl = diff.multiply(p.total).setScale(8, RoundingMode.HALF_UP).stripTrailingZeros();
      BigDecimal margin = p.openPriceAvg.multiply(p.total)
          .divide(BigDecimal.valueOf(p.leverage), 8, RoundingMode.HALF_UP).stripTrailingZeros();
      Optional<Plan> sl = a.plans.stream().filter(o -> o.planType.equals("pos_loss") && o.symbol.equals(p.symbol)
          && o.holdSide.equals(p.holdSide)).findFirst();
      Optional<Plan> tp = a.plans.stream().filter(o -> o.planType.equals("pos_profit") && o.symbol.equals(p.symbol)
          && o.holdSide.equals(p.holdSide)).findFirst();
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("marginCoin", marginCoin);
      m.put("symbol", p.symbol);
      m.put("holdSide", p.holdSide);
      m.put("openDelegateSize", "0");
      m.put("marginSize", margin.toPlainString());
      m.put("available", p.total.toPlainString());
      m.put("locked", "0");
      m.put("total", p.total.toPlainString());
      m.put("leverage", Integer.toString(p.leverage));
      m.put("achievedProfits", "0");
      m.put("openPriceAvg", p.openPriceAvg.toPlainString());
      m.put("marginMode", p.marginMode);
      m.put("posMode", a.posMode);
      m.put("unrealizedPL", upl.toPlainString());
      m.put("liquidationPrice", p.liquidationPrice.toPlainString());
      m.put("keepMarginRate", MAINTENANCE_MARGIN_RATE.toPlainString());
      m.put("markPrice", mark.toPlainString());
      m.put("marginRatio", "0");
      m.put("breakEvenPrice", p.openPriceAvg.toPlainString());
      m.put("totalFee", "0");
      m.put("deductedFee", "0");
      m.put("assetMode", "single");
      m.put("autoMargin", "off");
      m.put("takeProfit", tp.map(o -> o.triggerPrice.toPlainString()).orElse(""));
      m.put("stopLoss", sl.map(o -> o.triggerPrice.toPlainString()).orElse(""));
      m.put("takeProfitId", tp.map(o -> o.orderId).orElse(""));
      m.put("stopLossId", sl.map(o -> o.orderId).orElse(""));
      m.put("cTime", Long.toString(p.cTime));
      m.put("uTime", Long.toString(p.uTime));
      out.add(m);
    }
    return out;
  }

  /** One page of pending plan orders, newest first, with Bitget's {@code endId} cursor. */
  synchronized Map<String, Object> pendingPlansJson(Account a, String planQuery, String symbol, String orderId,
      String clientOid, Long idLessThan, int limit, String marginCoin) {
    List<Plan> matching = a.plans.stream()
        .filter(o -> planQuery.equals("profit_loss") ? TPSL_TYPES.contains(o.planType) : o.planType.equals(planQuery))
        .filter(o -> symbol == null || o.symbol.equalsIgnoreCase(symbol))
        .filter(o -> orderId == null || o.orderId.equals(orderId))
        .filter(o -> orderId != null || clientOid == null || o.clientOid.equals(clientOid))
        .filter(o -> idLessThan == null || Long.parseLong(o.orderId) < idLessThan)
        .sorted(Comparator.comparing((Plan o) -> Long.parseLong(o.orderId)).reversed())
        .limit(limit)
        .toList();
    List<Map<String, Object>> list = new ArrayList<>();
    for (Plan o : matching) list.add(planJson(a, o, marginCoin));
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("entrustedList", list.isEmpty() ? null : list);
    data.put("endId", matching.isEmpty() ? null : matching.get(matching.size() - 1).orderId);
    return data;
  }

  private Map<String, Object> planJson(Account a, Plan o, String marginCoin) {
    Pos p = a.position(o.symbol, o.holdSide).orElse(null);
    boolean wholePosition = o.planType.startsWith("pos_");
    Fidelity f = fidelity;
    BigDecimal size = !wholePosition ? o.size
        : f.posLossSize().equals("sent") ? o.sentSize
        : (p != null ? p.total : BigDecimal.ZERO);
    boolean normal = o.planType.equals("normal_plan") || o.planType.equals("track_plan");
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("planType", o.planType);
    m.put("symbol", f.planSymbolCase().equals("lower") ? o.symbol.toLowerCase(Locale.ROOT) : o.symbol);
    m.put("size", size == null ? "" : size.toPlainString());
    m.put("orderId", o.orderId);
    m.put("clientOid", o.clientOid);
    m.put("price", o.executePrice == null ? "0" : o.executePrice.toPlainString());
    m.put("executePrice", o.executePrice == null ? "0" : o.executePrice.toPlainString());
    m.put("callbackRatio", "");
    m.put("triggerPrice", o.triggerPrice.toPlainString());
    m.put("triggerType", o.triggerType);
    m.put("planStatus", "live");
    // Unknown (FIDELITY.md): in one-way mode, side is the position's direction (buy = long) or the
    // closing side (sell for a long); hedge mode: the position's direction (Bitget's hedge convention).
    boolean closingSide = !a.hedge() && f.oneWaySide().equals("closing");
    String posDirection = o.holdSide.equals("long") ? "buy" : "sell";
    m.put("side", normal ? o.side : closingSide ? (posDirection.equals("buy") ? "sell" : "buy") : posDirection);
    m.put("posSide", a.hedge() ? o.holdSide : "net");
    m.put("marginCoin", marginCoin.toLowerCase(Locale.ROOT));
    m.put("marginMode", p != null ? p.marginMode : "crossed");
    m.put("enterPointSource", "API");
    m.put("tradeSide", normal ? (a.hedge() ? o.tradeSide : o.side + "_single") : "close");
    m.put("posMode", a.posMode);
    m.put("orderType", o.executePrice == null ? "market" : "limit");
    m.put("orderSource", normal ? (o.executePrice == null ? "market" : "limit")
        : o.planType + (o.executePrice == null ? "_market" : "_limit"));
    m.put("cTime", Long.toString(o.cTime));
    m.put("uTime", Long.toString(o.uTime));
    m.put("stopSurplusExecutePrice", "");
    m.put("stopSurplusTriggerPrice", "");
    m.put("stopSurplusTriggerType", "");
    m.put("stopLossExecutePrice", "");
    m.put("stopLossTriggerPrice", "");
    m.put("stopLossTriggerType", "");
    return m;
  }

  /** {@code place-tpsl-order}: validates like Bitget, then stores the order. */
  synchronized Map<String, Object> placeTpsl(Account a, Map<String, String> b) {
    String symbol = required(b, "symbol").toUpperCase(Locale.ROOT);
    required(b, "marginCoin");
    String planType = required(b, "planType");
    String triggerText = required(b, "triggerPrice");
    String holdSideWire = required(b, "holdSide");
    Contract c = contracts.get(symbol);
    if (c == null) throw SimError.bad("40034", "Parameter " + symbol + " does not exist");
    if (!TPSL_TYPES.contains(planType)) throw SimError.paramInvalid();
    String triggerType = b.getOrDefault("triggerType", "fill_price");
    if (triggerType.isEmpty()) triggerType = "fill_price";
    if (!TRIGGER_TYPES.contains(triggerType)) throw SimError.paramInvalid();
    // One-way mode names the side buy/sell, hedge mode long/short; a mix-up is 40774.
    String holdSide = switch (holdSideWire) {
      case "buy", "sell" -> {
        if (a.hedge()) throw unilateral();
        yield holdSideWire.equals("buy") ? "long" : "short";
      }
      case "long", "short" -> {
        if (!a.hedge()) throw unilateral();
        yield holdSideWire;
      }
      default -> throw SimError.paramInvalid();
    };
    BigDecimal trigger = decimal(triggerText, "triggerPrice");
    if (trigger.signum() <= 0) throw SimError.paramInvalid();
    if (!c.validPrice(trigger)) {
      throw SimError.bad("41103", "Parameter triggerPrice precision error, checkScale=" + c.pricePlace
          + " step=" + c.tick().toPlainString());
    }
    BigDecimal execute = null;
    String exec = b.get("executePrice");
    if (exec != null && !exec.isEmpty()) {
      execute = decimal(exec, "executePrice");
      if (execute.signum() < 0) throw SimError.bad("43011", "The parameter executePrice <= 0 not allowed");
      if (execute.signum() == 0) execute = null;
      else if (!c.validPrice(execute)) throw SimError.bad("41103", "Parameter executePrice precision error");
    }
    if (planType.equals("pos_loss")) {
      String side = holdSide;
      String live = a.plans.stream().filter(o -> o.planType.equals("pos_loss") && o.symbol.equals(symbol)
          && o.holdSide.equals(side)).map(o -> o.clientOid).findFirst().orElse(null);
      history.add(now(), "place-attempt", a.uid, symbol, holdSide, planType, b.get("clientOid"), live, triggerText);
    }
    Pos p = a.position(symbol, holdSide).orElseThrow(() ->
        SimError.bad("40812", "The current position does not exist or the planType is not supported"));
    BigDecimal size = null;
    String sizeText = b.get("size");
    if (planType.equals("loss_plan") || planType.equals("profit_plan") || planType.equals("moving_plan")) {
      if (sizeText == null || sizeText.isEmpty()) throw SimError.missing("size");
      size = decimal(sizeText, "size");
      if (!c.validSize(size)) throw SimError.bad("40808", "Parameter verification exception size checkBDScale error value="
          + sizeText + " checkScale=" + c.volumePlace);
      if (size.compareTo(c.minTradeNum) < 0) throw SimError.bad("45110", "less than the minimum order quantity");
      if (size.compareTo(p.total) > 0) throw SimError.bad("40762", "The order amount exceeds the balance");
    }
    // Stop-loss triggers must be on the loss side of the mark price, take-profits on the profit side.
    BigDecimal mark = c.markPrice;
    boolean loss = planType.equals("pos_loss") || planType.equals("loss_plan");
    if (loss && p.isLong() && trigger.compareTo(mark) >= 0) {
      throw SimError.bad("40917", "Stop price for long positions please < mark price " + mark.toPlainString());
    }
    if (loss && !p.isLong() && trigger.compareTo(mark) <= 0) {
      throw SimError.bad("45122", "Short position stop loss price please > mark price " + mark.toPlainString());
    }
    if (planType.equals("pos_profit") || planType.equals("profit_plan")) {
      if (p.isLong() ? trigger.compareTo(mark) <= 0 : trigger.compareTo(mark) >= 0) {
        throw SimError.bad("40915", "Take profit price for " + p.holdSide + " positions must be on the profit side of mark price "
            + mark.toPlainString());
      }
    }
    String clientOid = b.get("clientOid");
    if (clientOid != null && !clientOid.isEmpty()) {
      if (a.clientOids.contains(clientOid)) throw SimError.bad(fidelity.duplicateClientOid(), "Duplicate clientOid");
    } else {
      clientOid = null;
    }
    // Unknown (FIDELITY.md): a second position TP/SL of the same kind is rejected, or replaces the first.
    List<Plan> same = a.plans.stream().filter(o -> o.planType.equals(planType) && o.symbol.equals(symbol)
        && o.holdSide.equals(holdSide)).toList();
    if (planType.startsWith("pos_") && !same.isEmpty()) {
      if (!fidelity.replaceSecondPosLoss()) {
        throw SimError.bad("400172", "The position already has a " + planType + " order; modify or cancel it first");
      }
      for (Plan old : same) {
        a.plans.remove(old);
        firePlan(a, old, "cancelled");
      }
    }
    if (clientOid != null) a.clientOids.add(clientOid);
    String orderId = Long.toString(ids.incrementAndGet());
    if (clientOid == null) clientOid = orderId + "_sim";
    // Prices are kept (and listed) at the contract's pricePlace, however the request wrote them ("71" is "71.00").
    Plan placed = new Plan(orderId, clientOid, symbol, planType, holdSide, trigger.setScale(c.pricePlace, RoundingMode.UNNECESSARY),
        triggerType, execute, size, now());
    if (planType.startsWith("pos_") && sizeText != null && !sizeText.isEmpty()) placed.sentSize = decimal(sizeText, "size");
    a.plans.add(placed);
    firePlan(a, placed, "live");
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("orderId", orderId);
    data.put("clientOid", clientOid);
    return data;
  }

  /** Runs {@code body} under the exchange's monitor (REST handlers of {@link Trading}). */
  synchronized <T> T locked(java.util.function.Supplier<T> body) {
    return body.get();
  }

  /** {@code symbol-price}: last, index and mark price. */
  synchronized List<Map<String, Object>> symbolPriceJson(String symbol) {
    Contract c = contracts.get(symbol);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("symbol", c.symbol);
    m.put("price", c.lastPrice.toPlainString());
    m.put("indexPrice", c.markPrice.toPlainString());
    m.put("markPrice", c.markPrice.toPlainString());
    m.put("ts", Long.toString(now()));
    return List.of(m);
  }

  /** {@code ticker}: last (follows mark unless moved alone), mark = index. */
  synchronized List<Map<String, Object>> tickerJson(String symbol) {
    Contract c = contracts.get(symbol.toUpperCase(Locale.ROOT));
    if (c == null) throw SimError.bad("40034", "Parameter " + symbol + " does not exist");
    String mark = c.markPrice.toPlainString();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("symbol", c.symbol);
    m.put("lastPr", c.lastPrice.toPlainString());
    m.put("askPr", mark);
    m.put("bidPr", mark);
    m.put("bidSz", "1");
    m.put("askSz", "1");
    m.put("high24h", mark);
    m.put("low24h", mark);
    m.put("ts", Long.toString(now()));
    m.put("change24h", "0");
    m.put("baseVolume", "0");
    m.put("quoteVolume", "0");
    m.put("usdtVolume", "0");
    m.put("openUtc", mark);
    m.put("changeUtc24h", "0");
    m.put("indexPrice", mark);
    m.put("fundingRate", "0.0001");
    m.put("holdingAmount", "0");
    m.put("deliveryStartTime", null);
    m.put("deliveryTime", null);
    m.put("deliveryStatus", "");
    m.put("open24h", mark);
    m.put("markPrice", mark);
    return List.of(m);
  }

  /** {@code account}: balances are nominal; {@code posMode} is the account's position mode. */
  synchronized Map<String, Object> accountJson(Account a, String marginCoin, String symbol) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("marginCoin", marginCoin);
    if (symbol != null) { // the single-account form carries the symbol's leverage
      String lev = Integer.toString(trading.leverage(a, symbol));
      m.put("crossedMarginLeverage", lev);
      m.put("isolatedLongLever", lev);
      m.put("isolatedShortLever", lev);
    }
    m.put("locked", "0");
    m.put("available", "10000");
    m.put("crossedMaxAvailable", "10000");
    m.put("isolatedMaxAvailable", "10000");
    m.put("maxTransferOut", "10000");
    m.put("accountEquity", "10000");
    m.put("usdtEquity", "10000");
    m.put("crossedRiskRate", "0");
    m.put("unrealizedPL", "0");
    m.put("marginMode", "crossed");
    m.put("posMode", a.posMode);
    m.put("assetMode", "single");
    return m;
  }

  /**
   * {@code place-pos-tpsl}: the position's stop-loss (and take-profit) in one call; validated and
   * stored exactly like place-tpsl-order's pos_loss / pos_profit. Returns the created orders.
   */
  synchronized List<Map<String, Object>> placePosTpsl(Account a, Map<String, String> b) {
    List<Map<String, Object>> out = new ArrayList<>();
    String sl = b.get("stopLossTriggerPrice");
    String tp = b.get("stopSurplusTriggerPrice");
    if ((sl == null || sl.isEmpty()) && (tp == null || tp.isEmpty())) throw SimError.missing("stopLossTriggerPrice");
    if (sl != null && !sl.isEmpty()) {
      Map<String, String> one = new LinkedHashMap<>(b);
      one.put("planType", "pos_loss");
      one.put("triggerPrice", sl);
      one.put("triggerType", b.getOrDefault("stopLossTriggerType", "fill_price"));
      one.put("executePrice", b.getOrDefault("stopLossExecutePrice", ""));
      one.remove("clientOid");
      out.add(placeTpsl(a, one));
    }
    if (tp != null && !tp.isEmpty()) {
      Map<String, String> one = new LinkedHashMap<>(b);
      one.put("planType", "pos_profit");
      one.put("triggerPrice", tp);
      one.put("triggerType", b.getOrDefault("stopSurplusTriggerType", "fill_price"));
      one.put("executePrice", b.getOrDefault("stopSurplusExecutePrice", ""));
      one.remove("clientOid");
      out.add(placeTpsl(a, one));
    }
    return out;
  }

  /**
   * {@code modify-tpsl-order}: new trigger (and size for partial types) on a live TPSL order, with
   * the same validation as placement. {@code orderId} or {@code clientOid} names the order.
   */
  synchronized Map<String, Object> modifyTpsl(Account a, Map<String, String> b) {
    String symbol = required(b, "symbol").toUpperCase(Locale.ROOT);
    required(b, "marginCoin");
    String triggerText = required(b, "triggerPrice");
    String oid = b.get("orderId");
    String coid = b.get("clientOid");
    if ((oid == null || oid.isEmpty()) && (coid == null || coid.isEmpty())) throw SimError.missing("orderId");
    Plan o = a.plans.stream()
        .filter(x -> oid != null && !oid.isEmpty() ? x.orderId.equals(oid) : x.clientOid.equals(coid))
        .filter(x -> x.symbol.equals(symbol) && TPSL_TYPES.contains(x.planType))
        .findFirst().orElseThrow(() -> SimError.bad("43025", "Plan order does not exist"));
    Contract c = contracts.get(symbol);
    BigDecimal trigger = decimal(triggerText, "triggerPrice");
    if (trigger.signum() <= 0) throw SimError.paramInvalid();
    if (!c.validPrice(trigger)) throw SimError.bad("41103", "Parameter triggerPrice precision error, checkScale=" + c.pricePlace);
    String triggerType = b.getOrDefault("triggerType", o.triggerType);
    if (triggerType.isEmpty()) triggerType = o.triggerType;
    if (!TRIGGER_TYPES.contains(triggerType)) throw SimError.paramInvalid();
    Pos p = a.position(symbol, o.holdSide).orElseThrow(() ->
        SimError.bad("40812", "The current position does not exist or the planType is not supported"));
    BigDecimal mark = c.markPrice;
    boolean loss = o.planType.equals("pos_loss") || o.planType.equals("loss_plan");
    if (loss && p.isLong() && trigger.compareTo(mark) >= 0) {
      throw SimError.bad("40917", "Stop price for long positions please < mark price " + mark.toPlainString());
    }
    if (loss && !p.isLong() && trigger.compareTo(mark) <= 0) {
      throw SimError.bad("45122", "Short position stop loss price please > mark price " + mark.toPlainString());
    }
    String sizeText = b.get("size");
    if (!o.planType.startsWith("pos_") && sizeText != null && !sizeText.isEmpty()) {
      BigDecimal size = decimal(sizeText, "size");
      if (!c.validSize(size)) throw SimError.bad("40808", "Parameter verification exception size checkBDScale error value="
          + sizeText + " checkScale=" + c.volumePlace);
      if (size.compareTo(p.total) > 0) throw SimError.bad("40762", "The order amount exceeds the balance");
      o.size = size;
    }
    o.triggerPrice = trigger.setScale(c.pricePlace, RoundingMode.UNNECESSARY);
    o.triggerType = triggerType;
    o.uTime = now();
    firePlan(a, o, "live");
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("orderId", o.orderId);
    data.put("clientOid", o.clientOid);
    return data;
  }

  /**
   * {@code cancel-plan-order}. Without {@code planType} only normal trigger orders are in scope:
   * TPSL orders need their planType (pos_loss, profit_loss, ...), as on Bitget (freqtrade #13066).
   */
  synchronized Map<String, Object> cancelPlans(Account a, String symbol, String planType, List<Map<String, String>> ids) {
    java.util.function.Predicate<Plan> inScope = o -> {
      if (planType == null || planType.isEmpty() || planType.equals("normal_plan")) return o.planType.equals("normal_plan");
      if (planType.equals("profit_loss")) return TPSL_TYPES.contains(o.planType);
      return o.planType.equals(planType);
    };
    List<Map<String, String>> ok = new ArrayList<>();
    List<Map<String, String>> failed = new ArrayList<>();
    if (ids == null || ids.isEmpty()) {
      for (var it = a.plans.iterator(); it.hasNext(); ) {
        Plan o = it.next();
        if ((symbol == null || o.symbol.equalsIgnoreCase(symbol)) && inScope.test(o)) {
          it.remove();
          firePlan(a, o, "cancelled");
          ok.add(Map.of("orderId", o.orderId, "clientOid", o.clientOid));
        }
      }
    } else {
      for (Map<String, String> id : ids) {
        String oid = id.get("orderId");
        String coid = id.get("clientOid");
        Optional<Plan> hit = a.plans.stream()
            .filter(o -> (oid != null && !oid.isEmpty()) ? o.orderId.equals(oid) : o.clientOid.equals(coid))
            .filter(o -> symbol == null || o.symbol.equalsIgnoreCase(symbol))
            .filter(inScope)
            .findFirst();
        if (hit.isPresent()) {
          a.plans.remove(hit.get());
          firePlan(a, hit.get(), "cancelled");
          ok.add(Map.of("orderId", hit.get().orderId, "clientOid", hit.get().clientOid));
        } else {
          Map<String, String> f = new LinkedHashMap<>();
          f.put("orderId", oid == null ? "" : oid);
          f.put("clientOid", coid == null ? "" : coid);
          f.put("errorMsg", "Plan order does not exist");
          f.put("errorCode", "43025");
          failed.add(f);
        }
      }
    }
    if (ok.isEmpty() && !failed.isEmpty() && fidelity.cancelUnknown().equals("error")) {
      throw SimError.bad("43025", "Plan order does not exist");
    }
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("successList", ok);
    data.put("failureList", failed);
    return data;
  }

  // ------------------------------------------------------------------ control (tests, demo, drills)

  /**
   * Moves the mark price of a symbol, rounded to its tick; the last traded price follows it (the
   * simulator has no trades of its own). Then {@link #priceMoved}: triggers, liquidations, fills.
   */
  public synchronized void setMarkPrice(String symbol, BigDecimal price) {
    Contract c = contractOrFail(symbol, "setMarkPrice");
    if (price.signum() <= 0) throw new IllegalArgumentException("mark price must be > 0");
    c.markPrice = c.validPrice(price) ? price : c.round(price, RoundingMode.HALF_UP);
    c.lastPrice = c.markPrice;
    priceMoved(c, true);
  }

  /** Moves only the mark price (index moves, trades lag): mark_price triggers see it, fill_price ones do not. */
  public synchronized void setMarkPriceOnly(String symbol, BigDecimal price) {
    Contract c = contractOrFail(symbol, "setMarkPriceOnly");
    if (price.signum() <= 0) throw new IllegalArgumentException("mark price must be > 0");
    c.markPrice = c.validPrice(price) ? price : c.round(price, RoundingMode.HALF_UP);
    priceMoved(c, true);
  }

  /**
   * Moves only the last traded price (a print away from mark, e.g. a wick on a thin book):
   * {@code fill_price} triggers and resting limit orders see it, {@code mark_price} ones do not.
   */
  public synchronized void setLastPrice(String symbol, BigDecimal price) {
    Contract c = contractOrFail(symbol, "setLastPrice");
    if (price.signum() <= 0) throw new IllegalArgumentException("last price must be > 0");
    c.lastPrice = c.validPrice(price) ? price : c.round(price, RoundingMode.HALF_UP);
    priceMoved(c, false);
  }

  /**
   * After a price move on {@code c}: liquidations (mark), TPSL triggers (mark or last, by their
   * trigger type), normal_plan triggers and resting limit orders. A position whose liquidation
   * price is crossed is liquidated and its plan orders cancelled.
   */
  private void priceMoved(Contract c, boolean markMoved) {
    for (Account a : accountsByKey.values()) {
      boolean changed = false;
      boolean holds = false;
      for (Pos p : List.copyOf(a.positions)) {
        if (!p.symbol.equals(c.symbol)) continue;
        holds = true;
        boolean liquidated = p.isLong() ? c.markPrice.compareTo(p.liquidationPrice) <= 0
            : c.markPrice.compareTo(p.liquidationPrice) >= 0;
        if (liquidated) {
          a.positions.remove(p);
          cancelPlansOf(a, p, "cancelled");
          history.add(now(), "liquidated", a.uid, p.symbol, p.holdSide, null, null, null, c.markPrice.toPlainString());
          changed = true;
          continue;
        }
        for (Plan o : List.copyOf(a.plans)) {
          if (!o.symbol.equals(p.symbol) || !o.holdSide.equals(p.holdSide) || !TPSL_TYPES.contains(o.planType)) continue;
          BigDecimal px = o.triggerType.equals("mark_price") ? c.markPrice : c.lastPrice;
          boolean loss = o.planType.equals("pos_loss") || o.planType.equals("loss_plan");
          boolean profit = o.planType.equals("pos_profit") || o.planType.equals("profit_plan");
          boolean hit = (loss && (p.isLong() ? px.compareTo(o.triggerPrice) <= 0 : px.compareTo(o.triggerPrice) >= 0))
              || (profit && (p.isLong() ? px.compareTo(o.triggerPrice) >= 0 : px.compareTo(o.triggerPrice) <= 0));
          if (!hit) continue;
          a.plans.remove(o);
          firePlan(a, o, "executed");
          changed = true;
          if (o.planType.startsWith("pos_") || o.size == null || o.size.compareTo(p.total) >= 0) {
            a.positions.remove(p);
            cancelPlansOf(a, p, "cancelled");
            break;
          }
          p.total = p.total.subtract(o.size);
          p.uTime = now();
        }
      }
      changed |= trading.priceMoved(a, c);
      // Unknown (FIDELITY.md): whether a mark move alone (unrealized PnL) pushes positions.
      if (changed || (holds && markMoved && fidelity.positionsPushOnMark().equals("yes"))) firePositions(a);
    }
  }

  /**
   * A position closed by its owner (a market order, the app, another bot): gone, and its TPSL
   * orders cancelled with it, or left pending ({@code posLossOnClose=keep}; unknown, FIDELITY.md).
   */
  void closedByHand(Account a, Pos p) {
    a.positions.remove(p);
    if (!fidelity.keepPosLossOnClose()) cancelPlansOf(a, p, "cancelled");
  }

  /** A position resized by an order: its whole-position TPSL orders stay, or go ({@code posLossOnResize=cancel}; unknown). */
  void resizedByHand(Account a, Pos p) {
    if (!fidelity.cancelPosLossOnResize()) return;
    for (Plan o : List.copyOf(a.plans)) {
      if (o.symbol.equals(p.symbol) && o.holdSide.equals(p.holdSide) && o.planType.startsWith("pos_")) {
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
    String side = side(holdSide, "resize");
    Pos p = a.positions.stream().filter(x -> x.symbol.equalsIgnoreCase(symbol) && x.holdSide.equals(side)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no " + side + " position on " + symbol + " for uid " + uid));
    if (total.signum() <= 0) throw new IllegalArgumentException("total must be > 0 (close the position instead)");
    p.total = total;
    p.uTime = now();
    resizedByHand(a, p);
    history.add(now(), "outside-resize", uid, p.symbol, side, null, null, null, total.toPlainString());
    firePositions(a);
  }

  /** Whole-position TPSL orders go with their position. */
  private void cancelPlansOf(Account a, Pos p, String status) {
    for (Plan o : List.copyOf(a.plans)) {
      if (o.symbol.equals(p.symbol) && o.holdSide.equals(p.holdSide)) {
        a.plans.remove(o);
        firePlan(a, o, status);
      }
    }
  }

  /** Opens (or replaces) a position "from outside", e.g. a trader's manual order. */
  public synchronized void openPosition(String uid, Scenario.PositionSpec spec) {
    Account a = accountByUid(uid);
    Contract c = contractOrFail(spec.symbol(), "openPosition");
    String side = side(spec.holdSide(), "openPosition");
    a.positions.removeIf(p -> p.symbol.equals(c.symbol) && (p.holdSide.equals(side) || !a.hedge()));
    openPosition(a, spec, "openPosition");
    history.add(now(), "outside-open", uid, c.symbol, side, null, null, null, spec.total().toPlainString());
    firePositions(a);
  }

  /** Every account's uid, for the control API and drills. */
  public synchronized List<String> uids() {
    return accountsByKey.values().stream().map(a -> a.uid).toList();
  }

  /** A snapshot of the whole state, for the control API. */
  public synchronized Map<String, Object> stateJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    Map<String, String> marks = new LinkedHashMap<>();
    contracts.values().forEach(c -> marks.put(c.symbol, c.markPrice.toPlainString()));
    m.put("markPrices", marks);
    List<Map<String, Object>> accts = new ArrayList<>();
    for (Account a : accountsByKey.values()) {
      Map<String, Object> am = new LinkedHashMap<>();
      am.put("uid", a.uid);
      am.put("posMode", a.posMode);
      am.put("positions", positionsJson(a, "USDT"));
      List<Map<String, Object>> plans = new ArrayList<>();
      for (Plan o : a.plans) plans.add(planJson(a, o, "USDT"));
      am.put("planOrders", plans);
      accts.add(am);
    }
    m.put("accounts", accts);
    return m;
  }

  /** The uid of an API key, for rate limits; null when unknown. */
  String uidOfKey(String apiKey) {
    Account a = accountsByKey.get(apiKey);
    return a == null ? null : a.uid;
  }

  /** The positions push of the WebSocket {@code positions} channel. */
  synchronized List<Map<String, Object>> wsPositionsJson(String apiKey) {
    Account a = accountsByKey.get(apiKey);
    List<Map<String, Object>> out = new ArrayList<>();
    if (a == null) return out;
    for (Map<String, Object> r : positionsJson(a, "USDT")) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("posId", Integer.toHexString((a.uid + r.get("symbol") + r.get("holdSide")).hashCode()));
      m.put("instId", r.get("symbol"));
      m.put("marginCoin", r.get("marginCoin"));
      m.put("marginSize", r.get("marginSize"));
      m.put("marginMode", r.get("marginMode"));
      m.put("holdSide", r.get("holdSide"));
      m.put("posMode", r.get("posMode"));
      m.put("total", r.get("total"));
      m.put("available", r.get("available"));
      m.put("frozen", "0");
      m.put("openPriceAvg", r.get("openPriceAvg"));
      m.put("leverage", r.get("leverage"));
      m.put("achievedProfits", "0");
      m.put("unrealizedPL", r.get("unrealizedPL"));
      m.put("unrealizedPLR", "0");
      m.put("liquidationPrice", r.get("liquidationPrice"));
      m.put("keepMarginRate", r.get("keepMarginRate"));
      m.put("marginRate", "0");
      m.put("cTime", r.get("cTime"));
      m.put("uTime", r.get("uTime"));
      m.put("autoMargin", "off");
      out.add(m);
    }
    return out;
  }

  /** Live plan orders in the orders-algo push shape. */
  synchronized List<Map<String, Object>> wsPlansJson(String apiKey) {
    Account a = accountsByKey.get(apiKey);
    List<Map<String, Object>> out = new ArrayList<>();
    if (a != null) for (Plan o : a.plans) out.add(wsPlanJson(a, o, "live"));
    return out;
  }

  /**
   * orders-algo uses short planType codes. Bitget documents "pl" (default) and names tp/ptp; the
   * rest is the simulator's choice: pos_loss psl, pos_profit ptp, loss_plan sl, profit_plan tp,
   * moving_plan track, normal_plan pl.
   */
  static String wsPlanType(String planType) {
    return switch (planType) {
      case "pos_loss" -> "psl";
      case "pos_profit" -> "ptp";
      case "loss_plan" -> "sl";
      case "profit_plan" -> "tp";
      case "moving_plan" -> "track";
      default -> "pl";
    };
  }

  private Map<String, Object> wsPlanJson(Account a, Plan o, String status) {
    Map<String, Object> rest = planJson(a, o, "USDT");
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("instId", o.symbol);
    m.put("orderId", o.orderId);
    m.put("clientOid", o.clientOid);
    m.put("triggerPrice", o.triggerPrice.toPlainString());
    m.put("triggerType", o.triggerType);
    m.put("triggerTime", status.equals("executed") ? Long.toString(now()) : "");
    m.put("planType", wsPlanType(o.planType));
    m.put("price", rest.get("price"));
    m.put("executePrice", rest.get("executePrice"));
    m.put("size", rest.get("size"));
    m.put("actualSize", "0");
    m.put("orderType", rest.get("orderType"));
    m.put("side", rest.get("side"));
    m.put("tradeSide", "close");
    m.put("posSide", rest.get("posSide"));
    m.put("marginCoin", "USDT");
    m.put("status", status);
    m.put("posMode", a.posMode);
    m.put("enterPointSource", "API");
    m.put("cTime", Long.toString(o.cTime));
    m.put("uTime", Long.toString(now()));
    return m;
  }

  public synchronized BigDecimal markPrice(String symbol) {
    return contractOrFail(symbol, "markPrice").markPrice;
  }

  /** Cancels every stop-loss of a position "from outside", as a human or another bot would. */
  public synchronized int cancelStopsFromOutside(String uid, String symbol, String holdSide) {
    Account a = accountByUid(uid);
    String side = side(holdSide, "cancel");
    int n = 0;
    for (Plan o : List.copyOf(a.plans)) {
      if (o.symbol.equalsIgnoreCase(symbol) && o.holdSide.equals(side)
          && (o.planType.equals("pos_loss") || o.planType.equals("loss_plan"))) {
        a.plans.remove(o);
        firePlan(a, o, "cancelled");
        history.add(now(), "outside-cancel", uid, o.symbol, side, o.planType, o.clientOid, null, o.orderId);
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
    String side = side(holdSide, "close");
    Optional<Pos> p = a.positions.stream().filter(x -> x.symbol.equalsIgnoreCase(symbol) && x.holdSide.equals(side)).findFirst();
    if (p.isEmpty()) return false;
    closedByHand(a, p.get());
    firePositions(a);
    history.add(now(), "outside-close", uid, p.get().symbol, side, null, null, null, null);
    return true;
  }

  /**
   * Every open position as {@code uid:SYMBOL:side} with its number of pending pos_loss orders: one
   * consistent look (under the exchange's lock) for a checker sampling protection over time.
   */
  public synchronized Map<String, Long> positionStops() {
    Map<String, Long> out = new java.util.TreeMap<>();
    for (Account a : accountsByKey.values()) {
      for (Pos p : a.positions) {
        out.put(a.uid + ":" + p.symbol + ":" + p.holdSide, a.plans.stream().filter(o -> o.planType.equals("pos_loss")
            && o.symbol.equals(p.symbol) && o.holdSide.equals(p.holdSide)).count());
      }
    }
    return out;
  }

  /** Number of pending plan orders of one type on a position (tests: "exactly one stop"). */
  public synchronized long countPlans(String uid, String symbol, String holdSide, String planType) {
    Account a = accountByUid(uid);
    String side = side(holdSide, "count");
    return a.plans.stream().filter(o -> o.symbol.equalsIgnoreCase(symbol) && o.holdSide.equals(side)
        && o.planType.equals(planType)).count();
  }

  private Account accountByUid(String uid) {
    return accountsByKey.values().stream().filter(a -> a.uid.equals(uid)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no account with uid " + uid));
  }

  private static SimError unilateral() {
    return SimError.bad("40774", "The order type for unilateral position must also be the unilateral position type.");
  }

  private static String required(Map<String, String> b, String key) {
    String v = b.get(key);
    if (v == null || v.isEmpty()) throw SimError.missing(key);
    return v;
  }

  private static BigDecimal decimal(String text, String name) {
    try {
      return new BigDecimal(text);
    } catch (NumberFormatException e) {
      throw SimError.bad("40017", "Parameter " + name + " verification failed");
    }
  }
}
