package io.stopguard.sim;

import java.math.BigDecimal;
import java.util.List;

/**
 * What a price move sets off, as on Bitget: liquidations on the mark, TPSL orders on the price
 * their trigger type names, conditional orders and resting limit orders ({@link Trading}); and the
 * whole-position TPSL orders that go with a position that goes. Runs under the exchange's monitor.
 */
final class Triggers {
  private final SimExchange ex;

  Triggers(SimExchange ex) {
    this.ex = ex;
  }

  /**
   * After a price move on {@code c}: liquidations (mark), TPSL triggers (mark or last, by their
   * trigger type), normal_plan triggers and resting limit orders. A position whose liquidation
   * price is crossed is liquidated and its plan orders cancelled.
   */
  void priceMoved(Contract c, boolean markMoved) {
    for (Account a : ex.accounts()) {
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
          ex.history().add(ex.now(), "liquidated", a.uid, p.symbol, p.holdSide.wire, null, null, null, c.markPrice.toPlainString());
          changed = true;
          continue;
        }
        for (Plan o : List.copyOf(a.plans)) {
          if (!o.symbol.equals(p.symbol) || o.holdSide != p.holdSide || !o.planType.tpsl()) continue;
          BigDecimal px = o.triggerType.equals("mark_price") ? c.markPrice : c.lastPrice;
          boolean loss = o.planType.loss();
          boolean profit = o.planType.profit();
          boolean hit = (loss && (p.isLong() ? px.compareTo(o.triggerPrice) <= 0 : px.compareTo(o.triggerPrice) >= 0))
              || (profit && (p.isLong() ? px.compareTo(o.triggerPrice) >= 0 : px.compareTo(o.triggerPrice) <= 0));
          if (!hit) continue;
          a.plans.remove(o);
          ex.firePlan(a, o, "executed");
          changed = true;
          if (o.planType.wholePosition() || o.size == null || o.size.compareTo(p.total) >= 0) {
            a.positions.remove(p);
            cancelPlansOf(a, p, "cancelled");
            break;
          }
          p.total = p.total.subtract(o.size);
          p.uTime = ex.now();
        }
      }
      changed |= ex.trading.priceMoved(a, c);
      // Unknown (FIDELITY.md): whether a mark move alone (unrealized PnL) pushes positions.
      if (changed || (holds && markMoved && ex.fidelity().positionsPushOnMark().equals("yes"))) ex.firePositions(a);
    }
  }

  /** Whole-position TPSL orders go with their position. */
  void cancelPlansOf(Account a, Pos p, String status) {
    for (Plan o : List.copyOf(a.plans)) {
      if (o.symbol.equals(p.symbol) && o.holdSide == p.holdSide) {
        a.plans.remove(o);
        ex.firePlan(a, o, status);
      }
    }
  }
}
