package io.stopguard.bitget;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.math.BigDecimal;
import java.util.Locale;

/** A pending plan (trigger / TPSL) order as {@code orders-plan-pending} reports it. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PlanOrder(
    String orderId,
    String clientOid,
    String symbol,
    PlanType planType,
    BigDecimal size,
    BigDecimal triggerPrice,
    String triggerType,
    BigDecimal executePrice,
    String planStatus,
    String side,
    String posSide,
    PosMode posMode,
    String tradeSide,
    String orderType,
    String cTime,
    String uTime) {

  /**
   * The position side this order belongs to. Hedge mode names it in {@code posSide}; one-way mode
   * reports {@code posSide=net}, and then {@code side} carries the position's direction
   * (buy = long, sell = short), as TPSL placement does in one-way mode.
   */
  public HoldSide holdSide() {
    String ps = posSide == null ? "" : posSide.toLowerCase(Locale.ROOT);
    if (ps.equals("long") || ps.equals("short")) return HoldSide.parse(ps);
    if (side == null || side.isBlank()) return null;
    try {
      return HoldSide.parse(side);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** Bitget echoes symbols in lower case in some lists; compare ignoring case. */
  public boolean isFor(String otherSymbol) {
    return symbol != null && symbol.equalsIgnoreCase(otherSymbol);
  }
}
