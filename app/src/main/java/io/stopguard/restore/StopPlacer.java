package io.stopguard.restore;

import io.stopguard.bitget.BitgetApiException;
import io.stopguard.bitget.BitgetClient;
import io.stopguard.bitget.BitgetTransportException;
import io.stopguard.bitget.CancelResult;
import io.stopguard.bitget.Contract;
import io.stopguard.bitget.ErrorKind;
import io.stopguard.bitget.HoldSide;
import io.stopguard.bitget.PlacedOrder;
import io.stopguard.bitget.PlanOrder;
import io.stopguard.bitget.PlanType;
import io.stopguard.bitget.PosMode;
import io.stopguard.bitget.Position;
import io.stopguard.bitget.TpslOrder;
import io.stopguard.risk.Protection;
import io.stopguard.store.AuditEntry;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Places a stop-loss the careful way: validates against the live position and the contract's tick
 * rules before any request; uses a deterministic clientOid; after a timeout looks before placing
 * again; never adds a second pos_loss; confirms the order in orders-plan-pending; and writes every
 * attempt to the audit log.
 */
public final class StopPlacer {
  private final BitgetClient client;
  private final String userId;
  private final String actor;
  private final Consumer<AuditEntry> audit;

  /**
   * @param audit where audit rows go (the store's audit log), or a no-op for library use
   */
  public StopPlacer(BitgetClient client, String userId, String actor, Consumer<AuditEntry> audit) {
    this.client = client;
    this.userId = userId;
    this.actor = actor;
    this.audit = audit;
  }

  private BooleanSupplier mayWrite = () -> true;

  /**
   * Asked right before each write leaves (a placement and its second attempt, a modify, a cancel):
   * false stops there with {@link StopRejectedException.Reason#NOT_OURS}. The watcher's send window
   * (a fleet lease checked for a while, checked again after it).
   */
  public StopPlacer fencedBy(BooleanSupplier mayWrite) {
    this.mayWrite = mayWrite;
    return this;
  }

  private void mayWrite(String what, TpslOrder o) {
    if (!mayWrite.getAsBoolean()) {
      throw new StopRejectedException(StopRejectedException.Reason.NOT_OURS, what + " of " + o.symbol() + " " + o.holdSide()
          + " not sent: the right to act on user " + userId + " ended (its lease is no longer this instance's)");
    }
  }

  /** What would be sent, after validation; nothing is placed. */
  public record Preview(Position position, Contract contract, TpslOrder order, Optional<PlanOrder> existing) {}

  /** Validates the request against the exchange's current state and returns the exact order. */
  public Preview preview(StopRequest r) {
    Position p = findPosition(r.symbol(), r.side());
    return preview(r, p, contract(r.symbol()), client.pendingPlanOrders(PlanType.Query.PROFIT_LOSS, r.symbol()));
  }

  /**
   * As {@link #preview(StopRequest)}, with the position, contract and pending orders the caller has
   * just fetched (the guard looks right before it places; no need to ask Bitget twice).
   */
  public Preview preview(StopRequest r, Position p, Contract c, List<PlanOrder> pending) {
    validate(r, p, c);
    boolean whole = r.amount() == null || r.amount().compareTo(p.total()) == 0;
    Optional<PlanOrder> existing = pending.stream()
        .filter(o -> o.planType() == PlanType.POS_LOSS && Protection.belongsTo(o, p)).findFirst();
    if (whole && existing.isPresent() && !r.replace()) {
      throw new StopRejectedException(StopRejectedException.Reason.ALREADY_PROTECTED,
          r.symbol() + " " + r.side() + " already has a pos_loss at " + existing.get().triggerPrice().toPlainString()
              + " (order " + existing.get().orderId() + "); to move it, repeat with --replace");
    }
    String clientOid = r.clientOid() != null ? r.clientOid()
        : ClientOids.forOperator(client.baseUrl().toString(), userId, p, r.stopPrice(), whole ? null : r.amount());
    TpslOrder order = new TpslOrder(r.symbol(), whole ? PlanType.POS_LOSS : PlanType.LOSS_PLAN, r.side(), p.posMode(),
        r.stopPrice(), "mark_price", null, whole ? null : r.amount(), clientOid);
    return new Preview(p, c, order, existing);
  }

  /** Validates, places (or moves the existing pos_loss when asked), confirms and audits. */
  public PlacedStop place(StopRequest r) {
    return place(preview(r));
  }

  /** Places what a {@link Preview} describes. */
  public PlacedStop place(Preview pv) {
    TpslOrder o = pv.order();
    if (o.planType() == PlanType.POS_LOSS && pv.existing().isPresent() && pv.position().posMode() == PosMode.ONE_WAY) {
      return replaceOneWay(pv.existing().get(), o);
    }
    if (o.planType() == PlanType.POS_LOSS && pv.existing().isPresent()) {
      PlanOrder old = pv.existing().get();
      mayWrite("modify", o);
      try {
        PlacedOrder res = client.modifyTpslOrder(old.orderId(), o.symbol(), o.triggerPrice(), o.triggerType(), null);
        audit("modify", o, res.orderId(), old.clientOid(), "ok", "was " + old.triggerPrice().toPlainString());
        return confirm(res.orderId(), old.clientOid(), o, "modified");
      } catch (BitgetApiException e) {
        audit("modify", o, old.orderId(), old.clientOid(), e.code(), e.msg());
        throw e;
      }
    }
    return placeIdempotent(o);
  }

  /**
   * Moves a one-way position's pos_loss by cancelling it and placing a fresh one. A modify would
   * keep the old order's direction, and in one-way mode the plan list does not say reliably which
   * direction a stop closes (its {@code side} convention is unknown, bitget-sim/FIDELITY.md): a stop
   * left by a closed short (Bitget may keep it) sits on the symbol's new long, where no new trigger
   * price makes it protect anything. A fresh placement names the position's own side. The stop is
   * wrong (it would not protect) when this runs, so the moment between cancel and place loses
   * nothing; if the placement then fails, the position is bare and the caller's retry places it.
   */
  private PlacedStop replaceOneWay(PlanOrder old, TpslOrder o) {
    CancelResult r;
    mayWrite("cancel", o);
    try {
      r = client.cancelPlanOrders(o.symbol(), PlanType.POS_LOSS, List.of(old.orderId()));
    } catch (BitgetApiException e) {
      audit("cancel", o, old.orderId(), old.clientOid(), e.code(), e.msg());
      if (e.kind() != ErrorKind.GONE) throw e; // gone already (triggered, cancelled): place the new one
      r = new CancelResult(List.of(), List.of());
    }
    boolean cancelled = r.successList().stream().anyMatch(i -> old.orderId().equals(i.orderId()));
    audit("cancel", o, old.orderId(), old.clientOid(), cancelled ? "ok" : "not-cancelled",
        "to replace it (was " + old.triggerPrice().toPlainString() + ")"
            + (cancelled ? "" : ": " + r.failureList().stream().map(i -> i.errorCode() + " " + i.errorMsg()).toList()));
    PlacedStop placed = placeIdempotent(o);
    return new PlacedStop(placed.orderId(), placed.clientOid(), placed.symbol(), placed.planType(), placed.triggerPrice(),
        placed.size(), "replaced", placed.confirmed());
  }

  /**
   * Places with the order's clientOid. A timeout or a duplicate-clientOid answer is followed by a
   * look-up: if the order landed it is returned, else it is placed once more with the same id.
   */
  public PlacedStop placeIdempotent(TpslOrder o) {
    for (int attempt = 1; ; attempt++) {
      mayWrite(attempt == 1 ? "placement" : "placement attempt " + attempt, o);
      try {
        PlacedOrder res = client.placeTpslOrder(o);
        audit("place", o, res.orderId(), res.clientOid(), "ok", "attempt " + attempt);
        return confirm(res.orderId(), res.clientOid(), o, "placed");
      } catch (BitgetTransportException e) {
        audit("place", o, null, o.clientOid(), e.isTimeout() ? "timeout" : "transport", e.getMessage());
        Optional<PlanOrder> landed = lookUp(o);
        if (landed.isPresent()) return found(landed.get(), o);
        if (attempt >= 2) throw e;
      } catch (BitgetApiException e) {
        audit("place", o, null, o.clientOid(), e.code(), e.msg());
        // Duplicate clientOid, or "already has a pos_loss" when Bitget checks that first:
        // if the order with our clientOid is there, an earlier attempt landed and we are done.
        if (e.kind() == ErrorKind.BAD_REQUEST || e.kind() == ErrorKind.DUPLICATE_CLIENT_OID) {
          Optional<PlanOrder> landed = lookUp(o);
          if (landed.isPresent()) return found(landed.get(), o);
        }
        if (e.kind() == ErrorKind.DUPLICATE_CLIENT_OID) {
          // Known to Bitget, live nowhere: the order it named was cancelled or triggered. This id
          // is spent; the caller must derive a fresh one (the same one would be refused forever).
          throw new StopRejectedException(StopRejectedException.Reason.CLIENT_OID_SPENT,
              "clientOid " + o.clientOid() + " is spent: Bitget " + e.code() + " (duplicate) while no pending order"
                  + " carries it (the stop placed with it was cancelled or triggered)", e);
        }
        throw e;
      }
    }
  }

  private Optional<PlanOrder> lookUp(TpslOrder o) {
    return o.clientOid() == null ? Optional.empty() : client.pendingPlanOrderByClientOid(o.symbol(), o.clientOid());
  }

  private PlacedStop found(PlanOrder landed, TpslOrder o) {
    audit("place", o, landed.orderId(), landed.clientOid(), "ok", "found by clientOid after an unclear answer");
    return new PlacedStop(landed.orderId(), landed.clientOid(), o.symbol(), o.planType(), landed.triggerPrice(), o.size(),
        "already-there", true);
  }

  private PlacedStop confirm(String orderId, String clientOid, TpslOrder o, String action) {
    boolean seen = client.pendingPlanOrders(PlanType.Query.PROFIT_LOSS, o.symbol()).stream()
        .anyMatch(x -> orderId.equals(x.orderId()) && x.triggerPrice() != null
            && x.triggerPrice().compareTo(o.triggerPrice()) == 0);
    return new PlacedStop(orderId, clientOid, o.symbol(), o.planType(), o.triggerPrice(), o.size(), action, seen);
  }

  private void audit(String action, TpslOrder o, String orderId, String clientOid, String result, String detail) {
    boolean sets = action.equals("place") || action.equals("modify");
    audit.accept(new AuditEntry(actor, action, userId, o.symbol(), o.holdSide().name(), o.planType().wire(),
        o.triggerPrice().toPlainString(), o.size() == null ? null : o.size().toPlainString(), orderId, clientOid, result,
        sets && basis != null ? (detail == null ? basis : detail + "; " + basis) : detail));
  }

  private String basis;

  /** Why this price (a restore's basis: "the stop seen on the position at …: 2.4500"): said by every audit row that sets a stop. */
  public StopPlacer because(String basis) {
    this.basis = basis;
    return this;
  }

  // ------------------------------------------------------------------ validation before any request

  private Position findPosition(String symbol, HoldSide side) {
    List<Position> all = client.allPositions();
    return all.stream().filter(p -> p.symbol().equalsIgnoreCase(symbol) && p.holdSide() == side).findFirst()
        .orElseThrow(() -> new StopRejectedException(StopRejectedException.Reason.NO_POSITION,
            "no open " + side + " position on " + symbol + " for user " + userId
                + (all.isEmpty() ? " (the account has no open positions)" : " (open: " + describe(all) + ")")));
  }

  private static String describe(List<Position> all) {
    return String.join(", ", all.stream().map(p -> p.symbol() + " " + p.holdSide()).toList());
  }

  private Contract contract(String symbol) {
    return client.contracts().stream().filter(c -> c.symbol().equalsIgnoreCase(symbol)).findFirst()
        .orElseThrow(() -> new StopRejectedException(StopRejectedException.Reason.INVALID, "unknown symbol " + symbol));
  }

  static void validate(StopRequest r, Position p, Contract c) {
    BigDecimal s = r.stopPrice();
    boolean isLong = p.holdSide() == HoldSide.LONG;
    // Range first: rounding 1e999999999 to a tick would burn CPU for minutes, or overflow.
    if (!sane(s)) throw invalid("stop price is out of range (at most 20 digits before and after the point)");
    if (r.amount() != null && !sane(r.amount())) throw invalid("amount is out of range (at most 20 digits before and after the point)");
    if (s.signum() <= 0) throw invalid("stop price must be > 0");
    if (!c.isValidPrice(s)) {
      BigDecimal safe = c.roundPrice(s, isLong ? RoundingMode.CEILING : RoundingMode.FLOOR);
      throw invalid("stop price " + s.toPlainString() + " is not on " + c.symbol() + "'s tick " + c.tickSize().toPlainString()
          + "; the nearest safe price is " + safe.toPlainString());
    }
    BigDecimal mark = p.markPrice();
    if (isLong ? s.compareTo(mark) >= 0 : s.compareTo(mark) <= 0) {
      throw invalid("a " + p.holdSide().wire() + " stop must be " + (isLong ? "below" : "above") + " the mark price "
          + mark.toPlainString() + " (got " + s.toPlainString() + "): it would fire at once");
    }
    BigDecimal liq = p.liquidationPrice();
    if (liq != null && liq.signum() > 0 && (isLong ? s.compareTo(liq) <= 0 : s.compareTo(liq) >= 0)) {
      throw invalid("stop " + s.toPlainString() + " is beyond the liquidation price " + liq.toPlainString()
          + ": the position would be liquidated first; choose a price " + (isLong ? "above " : "below ") + liq.toPlainString());
    }
    BigDecimal a = r.amount();
    if (a != null) {
      if (a.signum() <= 0) throw invalid("amount must be > 0");
      if (a.compareTo(p.total()) > 0) {
        throw invalid("amount " + a.toPlainString() + " is more than the position's " + p.total().toPlainString());
      }
      if (a.compareTo(p.total()) < 0 && !c.isValidSize(a)) {
        throw invalid("amount " + a.toPlainString() + " does not fit " + c.symbol() + "'s size rules (step "
            + c.sizeMultiplier().toPlainString() + ", minimum " + c.minTradeNum().toPlainString() + ")");
      }
    }
  }

  /** A price or size a contract could have: magnitude and decimals both within 20 digits. */
  static boolean sane(BigDecimal d) {
    return d.scale() <= 20 && d.precision() - d.scale() <= 20;
  }

  private static StopRejectedException invalid(String m) {
    return new StopRejectedException(StopRejectedException.Reason.INVALID, m);
  }
}
