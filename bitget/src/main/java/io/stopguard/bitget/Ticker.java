package io.stopguard.bitget;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.math.BigDecimal;

/** One symbol's prices from {@code ticker}; stops trigger on {@code markPrice} by default. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Ticker(String symbol, BigDecimal lastPr, BigDecimal markPrice, BigDecimal indexPrice, String ts) {}
