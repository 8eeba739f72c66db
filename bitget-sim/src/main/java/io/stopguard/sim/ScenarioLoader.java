package io.stopguard.sim;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.Set;

/**
 * Turns a {@link Scenario} into the exchange's state: contracts merged over the built-in ones,
 * accounts with their positions and plan orders, each checked so a typo fails with one clear line
 * instead of silently dropping a position. Runs under the exchange's monitor.
 */
final class ScenarioLoader {
  private final SimExchange ex;

  ScenarioLoader(SimExchange ex) {
    this.ex = ex;
  }

  void load(Scenario s) {
    for (Scenario.ContractSpec cs : s.contracts()) {
      if (cs.symbol() == null) throw new IllegalArgumentException("contracts: every contract needs a symbol");
      String sym = cs.symbol().toUpperCase(Locale.ROOT);
      Contract c = ex.contract(sym);
      if (c == null) {
        if (cs.markPrice() == null) throw new IllegalArgumentException("contract " + sym + ": markPrice is required for a new symbol");
        c = new Contract(sym, 2, 1, 2, "0.01", "0.01", cs.markPrice().toPlainString());
        ex.putContract(c);
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
      if (ex.hasKey(as.apiKey())) throw new IllegalArgumentException(where + ": apiKey used twice");
      String mode = as.posMode() == null ? "one_way_mode" : as.posMode();
      if (!mode.equals("one_way_mode") && !mode.equals("hedge_mode")) {
        throw new IllegalArgumentException(where + ": posMode must be one_way_mode or hedge_mode");
      }
      Account a = new Account(as.uid(), as.apiKey(), as.secretKey(), as.passphrase(), mode);
      for (String p : as.keyPermissions()) {
        if (!Set.of("read", "trade", "withdraw", "transfer").contains(p)) {
          throw new IllegalArgumentException(where + ": keyPermissions: '" + p + "' is not one of read, trade, withdraw, transfer");
        }
      }
      a.permissions = as.keyPermissions();
      a.ips = as.keyIps();
      for (Scenario.PositionSpec ps : as.positions()) {
        openPosition(a, ps, where);
      }
      for (Scenario.PlanOrderSpec os : as.planOrders()) {
        addPlanFromScenario(a, os, where);
      }
      ex.putAccount(a);
    }
  }

  void openPosition(Account a, Scenario.PositionSpec ps, String where) {
    Contract c = contractOrFail(ps.symbol(), where);
    Side side = side(ps.holdSide(), where);
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
    BigDecimal liq = ps.liquidationPrice() != null ? ps.liquidationPrice() : SimExchange.liquidationPrice(c, side.isLong(), entry, lev);
    a.positions.add(new Pos(c.symbol, side, ps.total(), entry, lev, marginMode, liq, ex.now()));
  }

  private void addPlanFromScenario(Account a, Scenario.PlanOrderSpec os, String where) {
    Contract c = contractOrFail(os.symbol(), where);
    PlanKind type = os.planType() == null ? PlanKind.POS_LOSS : PlanKind.parseScenario(os.planType());
    if (type == null || type == PlanKind.TRACK_PLAN) {
      throw new IllegalArgumentException(where + " " + c.symbol + ": planType must be normal_plan or one of " + PlanKind.tpslNames());
    }
    Side side = side(os.holdSide(), where);
    if (os.triggerPrice() == null) throw new IllegalArgumentException(where + " " + c.symbol + ": planOrders need triggerPrice");
    String trig = os.triggerType() == null ? "mark_price" : os.triggerType();
    String oid = os.orderId() != null ? os.orderId() : ex.nextId();
    String coid = os.clientOid() != null ? os.clientOid() : oid + "_sim";
    a.clientOids.add(coid);
    Plan plan = new Plan(oid, coid, c.symbol, type, side, os.triggerPrice(), trig, os.executePrice(), os.size(), ex.now());
    if (type == PlanKind.NORMAL_PLAN) { // a conditional order that closes this side when triggered: not a stop
      if (os.size() == null) throw new IllegalArgumentException(where + " " + c.symbol + ": a normal_plan order needs size");
      plan.side = side.isLong() == a.hedge() ? "buy" : "sell"; // hedge: buy + close closes a long
      plan.tradeSide = a.hedge() ? "close" : null;
      plan.reduceOnly = !a.hedge();
      plan.marginMode = "crossed";
      plan.triggerAbove = os.triggerPrice().compareTo(c.markPrice) >= 0;
    }
    a.plans.add(plan);
  }

  Contract contractOrFail(String symbol, String where) {
    if (symbol == null) throw new IllegalArgumentException(where + ": symbol is required");
    Contract c = ex.contract(symbol.toUpperCase(Locale.ROOT));
    if (c == null) throw new IllegalArgumentException(where + ": unknown symbol " + symbol + " (add it under contracts:)");
    return c;
  }

  static Side side(String s, String where) {
    if (s == null) throw new IllegalArgumentException(where + ": holdSide is required (long or short)");
    return switch (s.toLowerCase(Locale.ROOT)) {
      case "long", "buy" -> Side.LONG;
      case "short", "sell" -> Side.SHORT;
      default -> throw new IllegalArgumentException(where + ": holdSide must be long or short, not " + s);
    };
  }
}
