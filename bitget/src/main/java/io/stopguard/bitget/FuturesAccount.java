package io.stopguard.bitget;

import java.math.BigDecimal;

/**
 * One futures account of a product type ({@code GET /api/v2/mix/account/accounts}): its margin coin
 * and its equity in it ({@code accountEquity}; {@code usdtEquity} where Bitget leaves that out).
 * Other fields are not read.
 */
public record FuturesAccount(String marginCoin, BigDecimal accountEquity, BigDecimal usdtEquity) {
  /** The equity to show: {@code accountEquity}, else {@code usdtEquity}, else null. */
  public BigDecimal equity() {
    return accountEquity != null ? accountEquity : usdtEquity;
  }
}
