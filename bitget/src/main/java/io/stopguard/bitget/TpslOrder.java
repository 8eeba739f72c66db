package io.stopguard.bitget;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A {@code place-tpsl-order} request. {@code executePrice} null means market execution;
 * {@code size} is null for the whole-position types ({@code pos_loss}, {@code pos_profit}).
 */
public record TpslOrder(
    String symbol,
    PlanType planType,
    HoldSide holdSide,
    PosMode posMode,
    BigDecimal triggerPrice,
    String triggerType,
    BigDecimal executePrice,
    BigDecimal size,
    String clientOid) {

  public TpslOrder {
    Objects.requireNonNull(symbol, "symbol");
    Objects.requireNonNull(planType, "planType");
    Objects.requireNonNull(holdSide, "holdSide");
    Objects.requireNonNull(posMode, "posMode");
    Objects.requireNonNull(triggerPrice, "triggerPrice");
    Objects.requireNonNull(triggerType, "triggerType");
  }

  /** A market stop-loss on the whole position, triggered by the mark price. */
  public static TpslOrder positionStopLoss(
      String symbol, HoldSide side, PosMode mode, BigDecimal triggerPrice, String clientOid) {
    return new TpslOrder(symbol, PlanType.POS_LOSS, side, mode, triggerPrice, "mark_price", null, null, clientOid);
  }

  /** The JSON body, fields in Bitget's documented order. */
  Map<String, Object> body(String productType, String marginCoin) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("marginCoin", marginCoin);
    m.put("productType", productType);
    m.put("symbol", symbol);
    m.put("planType", planType.wire());
    m.put("triggerPrice", triggerPrice.toPlainString());
    m.put("triggerType", triggerType);
    if (executePrice != null) m.put("executePrice", executePrice.toPlainString());
    m.put("holdSide", holdSide.tpslHoldSide(posMode));
    if (size != null) m.put("size", size.toPlainString());
    if (clientOid != null) m.put("clientOid", clientOid);
    return m;
  }
}
