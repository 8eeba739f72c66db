package io.stopguard.bitget;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.math.BigDecimal;

/** An open position as {@code all-position} reports it. Prices and sizes are exact decimals. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Position(
    String symbol,
    String marginCoin,
    HoldSide holdSide,
    PosMode posMode,
    String marginMode,
    BigDecimal total,
    BigDecimal available,
    BigDecimal openPriceAvg,
    BigDecimal markPrice,
    BigDecimal liquidationPrice,
    BigDecimal leverage,
    BigDecimal unrealizedPL,
    String cTime,
    String uTime) {}
