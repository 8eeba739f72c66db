package io.stopguard.sim;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * Bitget's answer and push shapes as the simulator sends them: values only, serialised by Jackson
 * field by field in component order, which is the order Bitget's docs list them (WireShapesTest
 * pins it); every number a string, as Bitget sends it.
 * Built by {@link WireShapes}, {@link Trading}, {@link TpslOrders} and {@link PublicMarkets}.
 */
final class Shapes {
  private Shapes() {}

  /** One position of {@code all-position} / {@code single-position}. */
  record Position(String marginCoin, String symbol, Side holdSide, String openDelegateSize, String marginSize,
      String available, String locked, String total, String leverage, String achievedProfits, String openPriceAvg,
      String marginMode, String posMode, String unrealizedPL, String liquidationPrice,
      String keepMarginRate, String markPrice, String marginRatio, String breakEvenPrice, String totalFee, String deductedFee,
      String assetMode, String autoMargin, String takeProfit, String stopLoss, String takeProfitId, String stopLossId,
      String cTime, String uTime) {}

  /** One plan order of {@code orders-plan-pending}. */
  record PlanOrder(PlanKind planType, String symbol, String size, String orderId, String clientOid, String price,
      String executePrice, String callbackRatio, String triggerPrice, String triggerType, String planStatus, String side,
      String posSide, String marginCoin, String marginMode, String enterPointSource, String tradeSide, String posMode,
      String orderType, String orderSource, String cTime, String uTime,
      String stopSurplusExecutePrice, String stopSurplusTriggerPrice, String stopSurplusTriggerType,
      String stopLossExecutePrice, String stopLossTriggerPrice, String stopLossTriggerType) {}

  /** A page of {@code orders-plan-pending} or {@code orders-pending}: null list and cursor when empty, as Bitget answers. */
  record Page<T>(List<T> entrustedList, String endId) {
    static <T> Page<T> empty() {
      return new Page<>(null, null);
    }
  }

  /** Bitget's REST envelope: code "00000" and the data, or an error code and its message with null data. */
  record Envelope(String code, String msg, long requestTime, Object data) {}

  /** {@code GET /api/v2/spot/account/info}: the key's owner, bound addresses (comma-separated, "" if none) and permissions. */
  record KeyInfo(String userId, String inviterId, String ips, List<String> authorities, String parentId, String traderType,
      String channelCode, String channel, String regisTime) {}

  static KeyInfo accountInfo(String uid, String ips, List<String> authorities) {
    return new KeyInfo(uid, null, ips, authorities, uid, "", "", "", "1700000000000");
  }

  /** A WebSocket event frame: login, subscribe / unsubscribe (with their arg), error (code, msg). */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record WsEvent(String event, Object arg, Integer code, String msg) {}

  /** The channel a push or a subscription is about. */
  record WsArg(String instType, String channel, String instId) {}

  /** A push: {@code snapshot} or {@code update} of a channel's data. */
  record WsPush(String action, WsArg arg, List<?> data, long ts) {}

  /** What a placement, modification or cancel of one order answers. */
  record Ids(String orderId, String clientOid) {}

  /** An order {@code cancel-plan-order} could not cancel. */
  record Failure(String orderId, String clientOid, String errorMsg, String errorCode) {}

  /** {@code cancel-plan-order}'s answer. */
  record Cancelled(List<Ids> successList, List<Failure> failureList) {}

  /** One regular order of {@code orders-pending} ({@code status}) or {@code detail} ({@code state}). */
  record RegularOrder(String symbol, String size, String orderId, String clientOid, String baseVolume, String fee,
      String price, String priceAvg, @JsonInclude(JsonInclude.Include.NON_NULL) String state,
      @JsonInclude(JsonInclude.Include.NON_NULL) String status, String side, String force, String totalProfits,
      String posSide, String marginCoin, String quoteVolume, String leverage, String marginMode, String enterPointSource,
      String tradeSide, String posMode, String orderType, String orderSource, String reduceOnly,
      String presetStopSurplusPrice, String presetStopLossPrice, String cTime, String uTime) {}

  /** One contract of {@code contracts}. */
  record ContractConfig(String symbol, String baseCoin, String quoteCoin, String buyLimitPriceRatio,
      String sellLimitPriceRatio, String feeRateUpRatio, String makerFeeRate, String takerFeeRate, String openCostUpRatio,
      List<String> supportMarginCoins, String minTradeNum, String priceEndStep, String volumePlace, String pricePlace,
      String sizeMultiplier, String symbolType, String minTradeUSDT, String maxSymbolOrderNum, String maxProductOrderNum,
      String maxPositionNum, String symbolStatus, String offTime, String limitOpenTime, String deliveryTime,
      String deliveryStartTime, String deliveryPeriod, String launchTime, String fundInterval, String minLever,
      String maxLever, String posLimit, String maintainTime) {
    /** A perpetual with Bitget's usual fees and limits; its tick rules and maximum leverage as given. */
    static ContractConfig perpetual(String symbol, String base, String quote, List<String> marginCoins, String minTradeNum,
        String priceEndStep, String volumePlace, String pricePlace, String sizeMultiplier, String maxLever) {
      return new ContractConfig(symbol, base, quote, "0.05", "0.05", "0.005", "0.0002", "0.0006", "0.01", marginCoins,
          minTradeNum, priceEndStep, volumePlace, pricePlace, sizeMultiplier, "perpetual", "5", "200", "400", "150",
          "normal", "-1", "-1", "", "", "", "", "8", "1", maxLever, "0.05", "");
    }
  }

  /** One ticker of {@code ticker}. */
  record Ticker(String symbol, String lastPr, String askPr, String bidPr, String bidSz, String askSz, String high24h,
      String low24h, String ts, String change24h, String baseVolume, String quoteVolume, String usdtVolume,
      String openUtc, String changeUtc24h, String indexPrice, String fundingRate, String holdingAmount,
      String deliveryStartTime, String deliveryTime, String deliveryStatus, String open24h, String markPrice) {}

  /** {@code symbol-price}. */
  record SymbolPrice(String symbol, String price, String indexPrice, String markPrice, String ts) {}

  /** {@code account} (with the symbol's leverage) and one entry of {@code accounts} (without). */
  record AccountInfo(String marginCoin, @JsonInclude(JsonInclude.Include.NON_NULL) String crossedMarginLeverage,
      @JsonInclude(JsonInclude.Include.NON_NULL) String isolatedLongLever,
      @JsonInclude(JsonInclude.Include.NON_NULL) String isolatedShortLever, String locked, String available,
      String crossedMaxAvailable, String isolatedMaxAvailable, String maxTransferOut, String accountEquity,
      String usdtEquity, String crossedRiskRate, String unrealizedPL, String marginMode, String posMode,
      String assetMode) {}

  /** {@code set-leverage}'s answer. */
  record LeverageSet(String symbol, String marginCoin, String longLeverage, String shortLeverage, String crossMarginLeverage,
      String marginMode) {}

  /** {@code set-position-mode}'s answer. */
  record PositionModeSet(String posMode) {}

  /** {@code spot/public/coins}: a coin and its chains. */
  record Coin(String coinId, String coin, String transfer, List<Chain> chains, String areaCoin) {}

  record Chain(String chain, String needTag, String withdrawable, String rechargeable, String withdrawFee,
      String extraWithdrawFee, String depositConfirm, String withdrawConfirm, String minDepositAmount,
      String minWithdrawAmount, String browserUrl, String contractAddress, String withdrawStep, String withdrawMinScale,
      String congestion) {}

  /** {@code spot/public/symbols}. */
  record SpotSymbol(String symbol, String baseCoin, String quoteCoin, String minTradeAmount, String maxTradeAmount,
      String takerFeeRate, String makerFeeRate, String pricePrecision, String quantityPrecision, String quotePrecision,
      String status, String minTradeUSDT, String buyLimitPriceRatio, String sellLimitPriceRatio, String areaSymbol) {}

  /** {@code margin/currencies}; the borrowable flags are JSON booleans, as Bitget sends them. */
  record MarginCurrency(String symbol, String baseCoin, String quoteCoin, String maxCrossedLeverage,
      String maxIsolatedLeverage, String warningRiskRatio, String liquidationRiskRatio, String minTradeAmount,
      String maxTradeAmount, String takerFeeRate, String makerFeeRate, String pricePrecision, String quantityPrecision,
      String minTradeUSDT, @JsonProperty("isBorrowable") boolean isBorrowable, String userMinBorrow, String status,
      @JsonProperty("isIsolatedBaseBorrowable") boolean isIsolatedBaseBorrowable,
      @JsonProperty("isIsolatedQuoteBorrowable") boolean isIsolatedQuoteBorrowable,
      @JsonProperty("isCrossBorrowable") boolean isCrossBorrowable) {}

  /** One position of the private WebSocket's {@code positions} channel. */
  record WsPosition(String posId, String instId, String marginCoin, String marginSize, String marginMode, Side holdSide,
      String posMode, String total, String available, String frozen, String openPriceAvg, String leverage,
      String achievedProfits, String unrealizedPL,
      String unrealizedPLR, String liquidationPrice, String keepMarginRate,
      String marginRate, String cTime, String uTime, String autoMargin) {}

  /** One order of the private WebSocket's {@code orders-algo} channel. */
  record WsPlan(String instId, String orderId, String clientOid, String triggerPrice, String triggerType,
      String triggerTime, String planType, String price, String executePrice, String size, String actualSize,
      String orderType, String side, String tradeSide, String posSide, String marginCoin, String status, String posMode,
      String enterPointSource, String cTime, String uTime) {}
}
