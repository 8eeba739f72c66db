package io.stopguard.sim;

import java.util.ArrayList;
import java.util.List;

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
  static List<Shapes.ContractConfig> otherContracts(String productType, String symbol) {
    List<Shapes.ContractConfig> out = new ArrayList<>();
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
      boolean btc = base.equals("BTC");
      out.add(Shapes.ContractConfig.perpetual(sym, b, quote, List.of(margin), btc ? "0.0001" : "0.01", "1", btc ? "4" : "2",
          btc ? "1" : "2", btc ? "0.0001" : "0.01", "125"));
    }
    return out;
  }

  /** {@code GET /api/v2/spot/public/coins}: the coins of the built-in markets, one chain each. */
  static List<Shapes.Coin> coins(String coin) {
    List<Shapes.Coin> out = new ArrayList<>();
    int id = 1;
    List<String> all = new ArrayList<>(BASES);
    all.add("USDT");
    all.add("USDC");
    for (String c : all) {
      id++;
      if (coin != null && !coin.equalsIgnoreCase(c)) continue;
      Shapes.Chain chain = new Shapes.Chain(c.equals("BTC") ? "BTC" : c.equals("SOL") ? "SOL" : c.equals("XRP") ? "XRP" : "ERC20",
          c.equals("XRP") ? "true" : "false", "true", "true", "0.0005", "0", "12", "64", "0.0001", "0.001", "", "", "0", "8",
          "normal");
      out.add(new Shapes.Coin(Integer.toString(id), c, "true", List.of(chain), "no"));
    }
    return out;
  }

  /** {@code GET /api/v2/spot/public/symbols}: spot pairs against USDT (listed, not tradeable here). */
  static List<Shapes.SpotSymbol> spotSymbols(String symbol) {
    List<Shapes.SpotSymbol> out = new ArrayList<>();
    for (String base : BASES) {
      String sym = base + "USDT";
      if (symbol != null && !symbol.equalsIgnoreCase(sym)) continue;
      boolean btc = base.equals("BTC");
      out.add(new Shapes.SpotSymbol(sym, base, "USDT", "0", "10000000000", "0.001", "0.001", btc ? "2" : "4", btc ? "6" : "4",
          "6", "online", "1", "0.05", "0.05", "no"));
    }
    return out;
  }

  /** {@code GET /api/v2/margin/currencies}: BTC and ETH pairs borrowable, cross and isolated. */
  static List<Shapes.MarginCurrency> marginCurrencies() {
    return List.of("BTC", "ETH").stream().map(base -> new Shapes.MarginCurrency(base + "USDT", base, "USDT", "3", "10", "0.8",
        "1", "0.0001", "1000", "0.001", "0.001", "2", "4", "5", true, "0.00001", "1", true, true, true)).toList();
  }
}
