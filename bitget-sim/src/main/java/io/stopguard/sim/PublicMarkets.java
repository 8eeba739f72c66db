package io.stopguard.sim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The public market lists a client loads before anything else (ccxt's {@code loadMarkets}: spot
 * coins, spot symbols, margin currencies, futures contracts of all six product types). Only the
 * USDT-M futures contracts trade here; the rest is served so clients can load, in Bitget's shapes
 * (field names from Bitget's docs and the examples in ccxt 4.5.84's bitget.js), with no trading
 * behind them: private calls for them answer like an account that holds nothing there.
 */
final class PublicMarkets {
  private PublicMarkets() {}

  /** Product types Bitget's v2 futures API accepts: live, and the S-prefixed demo twins. */
  static final List<String> PRODUCT_TYPES =
      List.of("USDT-FUTURES", "COIN-FUTURES", "USDC-FUTURES", "SUSDT-FUTURES", "SCOIN-FUTURES", "SUSDC-FUTURES");

  private static final List<String> BASES = List.of("BTC", "ETH", "DASH", "SOL", "XRP");

  /**
   * Contracts of a product type other than USDT-FUTURES (which {@link SimExchange} answers from its
   * own, tradeable contracts, also for SUSDT-FUTURES): coin-margined {@code BTCUSD}, USDC-margined
   * {@code BTCPERP}, and their demo twins with Bitget's S-prefixed names ({@code SBTCSUSD}).
   */
  static List<Map<String, Object>> otherContracts(String productType, String symbol) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (String base : List.of("BTC", "ETH")) {
      String sym;
      String b = base;
      String quote;
      String margin;
      switch (productType) {
        case "COIN-FUTURES" -> {
          sym = base + "USD";
          quote = "USD";
          margin = base;
        }
        case "USDC-FUTURES" -> {
          sym = base + "PERP";
          quote = "USDC";
          margin = "USDC";
        }
        case "SCOIN-FUTURES" -> {
          b = "S" + base;
          sym = b + "SUSD";
          quote = "SUSD";
          margin = b;
        }
        default -> { // SUSDC-FUTURES
          b = "S" + base;
          sym = b + "SPERP";
          quote = "SUSDC";
          margin = "SUSDC";
        }
      }
      if (symbol != null && !symbol.equalsIgnoreCase(sym)) continue;
      Map<String, Object> m = contractShape(sym, b, quote, List.of(margin));
      m.put("pricePlace", base.equals("BTC") ? "1" : "2");
      m.put("priceEndStep", "1");
      m.put("volumePlace", base.equals("BTC") ? "4" : "2");
      m.put("sizeMultiplier", base.equals("BTC") ? "0.0001" : "0.01");
      m.put("minTradeNum", base.equals("BTC") ? "0.0001" : "0.01");
      out.add(m);
    }
    return out;
  }

  /** A contract's fields in Bitget's order, without the tick rules (the caller adds those). */
  static Map<String, Object> contractShape(String symbol, String base, String quote, List<String> marginCoins) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("symbol", symbol);
    m.put("baseCoin", base);
    m.put("quoteCoin", quote);
    m.put("buyLimitPriceRatio", "0.05");
    m.put("sellLimitPriceRatio", "0.05");
    m.put("feeRateUpRatio", "0.005");
    m.put("makerFeeRate", "0.0002");
    m.put("takerFeeRate", "0.0006");
    m.put("openCostUpRatio", "0.01");
    m.put("supportMarginCoins", marginCoins);
    m.put("minTradeNum", "");
    m.put("priceEndStep", "");
    m.put("volumePlace", "");
    m.put("pricePlace", "");
    m.put("sizeMultiplier", "");
    m.put("symbolType", "perpetual");
    m.put("minTradeUSDT", "5");
    m.put("maxSymbolOrderNum", "200");
    m.put("maxProductOrderNum", "400");
    m.put("maxPositionNum", "150");
    m.put("symbolStatus", "normal");
    m.put("offTime", "-1");
    m.put("limitOpenTime", "-1");
    m.put("deliveryTime", "");
    m.put("deliveryStartTime", "");
    m.put("deliveryPeriod", "");
    m.put("launchTime", "");
    m.put("fundInterval", "8");
    m.put("minLever", "1");
    m.put("maxLever", "125");
    m.put("posLimit", "0.05");
    m.put("maintainTime", "");
    return m;
  }

  /** {@code GET /api/v2/spot/public/coins}: the coins of the built-in markets, one chain each. */
  static List<Map<String, Object>> coins(String coin) {
    List<Map<String, Object>> out = new ArrayList<>();
    int id = 1;
    List<String> all = new ArrayList<>(BASES);
    all.add("USDT");
    all.add("USDC");
    for (String c : all) {
      id++;
      if (coin != null && !coin.equalsIgnoreCase(c)) continue;
      Map<String, Object> chain = new LinkedHashMap<>();
      chain.put("chain", c.equals("BTC") ? "BTC" : c.equals("SOL") ? "SOL" : c.equals("XRP") ? "XRP" : "ERC20");
      chain.put("needTag", c.equals("XRP") ? "true" : "false");
      chain.put("withdrawable", "true");
      chain.put("rechargeable", "true");
      chain.put("withdrawFee", "0.0005");
      chain.put("extraWithdrawFee", "0");
      chain.put("depositConfirm", "12");
      chain.put("withdrawConfirm", "64");
      chain.put("minDepositAmount", "0.0001");
      chain.put("minWithdrawAmount", "0.001");
      chain.put("browserUrl", "");
      chain.put("contractAddress", "");
      chain.put("withdrawStep", "0");
      chain.put("withdrawMinScale", "8");
      chain.put("congestion", "normal");
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("coinId", Integer.toString(id));
      m.put("coin", c);
      m.put("transfer", "true");
      m.put("chains", List.of(chain));
      m.put("areaCoin", "no");
      out.add(m);
    }
    return out;
  }

  /** {@code GET /api/v2/spot/public/symbols}: spot pairs against USDT (listed, not tradeable here). */
  static List<Map<String, Object>> spotSymbols(String symbol) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (String base : BASES) {
      String sym = base + "USDT";
      if (symbol != null && !symbol.equalsIgnoreCase(sym)) continue;
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("symbol", sym);
      m.put("baseCoin", base);
      m.put("quoteCoin", "USDT");
      m.put("minTradeAmount", "0");
      m.put("maxTradeAmount", "10000000000");
      m.put("takerFeeRate", "0.001");
      m.put("makerFeeRate", "0.001");
      m.put("pricePrecision", base.equals("BTC") ? "2" : "4");
      m.put("quantityPrecision", base.equals("BTC") ? "6" : "4");
      m.put("quotePrecision", "6");
      m.put("status", "online");
      m.put("minTradeUSDT", "1");
      m.put("buyLimitPriceRatio", "0.05");
      m.put("sellLimitPriceRatio", "0.05");
      m.put("areaSymbol", "no");
      out.add(m);
    }
    return out;
  }

  /** {@code GET /api/v2/margin/currencies}: BTC and ETH pairs borrowable, cross and isolated. */
  static List<Map<String, Object>> marginCurrencies() {
    List<Map<String, Object>> out = new ArrayList<>();
    for (String base : List.of("BTC", "ETH")) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("symbol", base + "USDT");
      m.put("baseCoin", base);
      m.put("quoteCoin", "USDT");
      m.put("maxCrossedLeverage", "3");
      m.put("maxIsolatedLeverage", "10");
      m.put("warningRiskRatio", "0.8");
      m.put("liquidationRiskRatio", "1");
      m.put("minTradeAmount", "0.0001");
      m.put("maxTradeAmount", "1000");
      m.put("takerFeeRate", "0.001");
      m.put("makerFeeRate", "0.001");
      m.put("pricePrecision", "2");
      m.put("quantityPrecision", "4");
      m.put("minTradeUSDT", "5");
      m.put("isBorrowable", true);
      m.put("userMinBorrow", "0.00001");
      m.put("status", "1");
      m.put("isIsolatedBaseBorrowable", true);
      m.put("isIsolatedQuoteBorrowable", true);
      m.put("isCrossBorrowable", true);
      out.add(m);
    }
    return out;
  }
}
