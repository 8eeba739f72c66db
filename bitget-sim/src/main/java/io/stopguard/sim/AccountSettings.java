package io.stopguard.sim;

import static io.stopguard.sim.Params.required;

import java.util.Map;

/**
 * What an account sets rather than trades: leverage per symbol (set-leverage) and position mode
 * (set-position-mode). Runs under the exchange's monitor, like {@link Trading}.
 */
final class AccountSettings {
  private final SimExchange ex;

  AccountSettings(SimExchange ex) {
    this.ex = ex;
  }

  Shapes.LeverageSet setLeverage(Account a, Map<String, String> b) {
    String symbol = required(b, "symbol");
    String marginCoin = required(b, "marginCoin");
    Contract c = ex.contract(symbol);
    int lev;
    try {
      lev = Integer.parseInt(required(b, "leverage"));
    } catch (NumberFormatException e) {
      throw SimError.paramInvalid();
    }
    if (lev < 1 || lev > c.maxLever) throw SimError.bad("40797", "Exceeded the maximum settable leverage");
    a.leverage.put(symbol, lev);
    boolean changed = false;
    for (Pos p : a.positions) {
      if (!p.symbol.equals(symbol) || p.leverage == lev) continue;
      p.leverage = lev; // a new leverage moves the liquidation price: the guard must see it
      p.liquidationPrice = SimExchange.liquidationPrice(c, p.isLong(), p.openPriceAvg, lev);
      p.uTime = ex.now();
      changed = true;
    }
    if (changed) ex.firePositions(a);
    String l = Integer.toString(lev);
    return new Shapes.LeverageSet(symbol, marginCoin, l, l, l, "crossed");
  }

  int leverage(Account a, String symbol) {
    return a.leverage.getOrDefault(symbol, 10);
  }

  /**
   * {@code set-position-mode}: only while the account holds no position and no open order of the
   * product type, as Bitget's docs say; otherwise refused (the code is the simulator's choice:
   * 400172, FIDELITY.md).
   */
  Shapes.PositionModeSet setPositionMode(Account a, String posMode) {
    if (!posMode.equals("one_way_mode") && !posMode.equals("hedge_mode")) throw SimError.paramInvalid();
    boolean busy = !a.positions.isEmpty() || !a.plans.isEmpty() || a.orders.stream().anyMatch(o -> o.status.equals("live"));
    if (busy && !posMode.equals(a.posMode)) {
      throw SimError.bad("400172", "Parameter verification failed: the position mode cannot be changed with open positions or orders");
    }
    a.posMode = posMode;
    return new Shapes.PositionModeSet(posMode);
  }
}
