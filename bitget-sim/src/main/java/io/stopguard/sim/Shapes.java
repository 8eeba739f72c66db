package io.stopguard.sim;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * Bitget's answer and push shapes as the simulator sends them: values only, serialised by Jackson
 * field by field in the order Bitget's docs list them (every number a string, as Bitget sends it).
 * Built by {@link WireShapes}.
 */
final class Shapes {
  private Shapes() {}

  /** One position of {@code all-position} / {@code single-position}. */
  @JsonPropertyOrder({"marginCoin", "symbol", "holdSide", "openDelegateSize", "marginSize", "available", "locked", "total",
      "leverage", "achievedProfits", "openPriceAvg", "marginMode", "posMode", "unrealizedPL", "liquidationPrice",
      "keepMarginRate", "markPrice", "marginRatio", "breakEvenPrice", "totalFee", "deductedFee", "assetMode", "autoMargin",
      "takeProfit", "stopLoss", "takeProfitId", "stopLossId", "cTime", "uTime"})
  record Position(String marginCoin, String symbol, Side holdSide, String openDelegateSize, String marginSize,
      String available, String locked, String total, String leverage, String achievedProfits, String openPriceAvg,
      String marginMode, String posMode, @JsonProperty("unrealizedPL") String unrealizedPL, String liquidationPrice,
      String keepMarginRate, String markPrice, String marginRatio, String breakEvenPrice, String totalFee, String deductedFee,
      String assetMode, String autoMargin, String takeProfit, String stopLoss, String takeProfitId, String stopLossId,
      @JsonProperty("cTime") String cTime, @JsonProperty("uTime") String uTime) {}

  /** One plan order of {@code orders-plan-pending}. */
  @JsonPropertyOrder({"planType", "symbol", "size", "orderId", "clientOid", "price", "executePrice", "callbackRatio",
      "triggerPrice", "triggerType", "planStatus", "side", "posSide", "marginCoin", "marginMode", "enterPointSource",
      "tradeSide", "posMode", "orderType", "orderSource", "cTime", "uTime", "stopSurplusExecutePrice",
      "stopSurplusTriggerPrice", "stopSurplusTriggerType", "stopLossExecutePrice", "stopLossTriggerPrice",
      "stopLossTriggerType"})
  record PlanOrder(PlanKind planType, String symbol, String size, String orderId, String clientOid, String price,
      String executePrice, String callbackRatio, String triggerPrice, String triggerType, String planStatus, String side,
      String posSide, String marginCoin, String marginMode, String enterPointSource, String tradeSide, String posMode,
      String orderType, String orderSource, @JsonProperty("cTime") String cTime, @JsonProperty("uTime") String uTime,
      String stopSurplusExecutePrice, String stopSurplusTriggerPrice, String stopSurplusTriggerType,
      String stopLossExecutePrice, String stopLossTriggerPrice, String stopLossTriggerType) {}

  /** A page of {@code orders-plan-pending}: null list and cursor when empty, as Bitget answers. */
  @JsonPropertyOrder({"entrustedList", "endId"})
  record PlanPage(List<PlanOrder> entrustedList, String endId) {}

  /** One position of the private WebSocket's {@code positions} channel. */
  @JsonPropertyOrder({"posId", "instId", "marginCoin", "marginSize", "marginMode", "holdSide", "posMode", "total",
      "available", "frozen", "openPriceAvg", "leverage", "achievedProfits", "unrealizedPL", "unrealizedPLR",
      "liquidationPrice", "keepMarginRate", "marginRate", "cTime", "uTime", "autoMargin"})
  record WsPosition(String posId, String instId, String marginCoin, String marginSize, String marginMode, Side holdSide,
      String posMode, String total, String available, String frozen, String openPriceAvg, String leverage,
      String achievedProfits, @JsonProperty("unrealizedPL") String unrealizedPL,
      @JsonProperty("unrealizedPLR") String unrealizedPLR, String liquidationPrice, String keepMarginRate,
      String marginRate, @JsonProperty("cTime") String cTime, @JsonProperty("uTime") String uTime, String autoMargin) {}

  /** One order of the private WebSocket's {@code orders-algo} channel. */
  @JsonPropertyOrder({"instId", "orderId", "clientOid", "triggerPrice", "triggerType", "triggerTime", "planType", "price",
      "executePrice", "size", "actualSize", "orderType", "side", "tradeSide", "posSide", "marginCoin", "status", "posMode",
      "enterPointSource", "cTime", "uTime"})
  record WsPlan(String instId, String orderId, String clientOid, String triggerPrice, String triggerType,
      String triggerTime, String planType, String price, String executePrice, String size, String actualSize,
      String orderType, String side, String tradeSide, String posSide, String marginCoin, String status, String posMode,
      String enterPointSource, @JsonProperty("cTime") String cTime, @JsonProperty("uTime") String uTime) {}
}
