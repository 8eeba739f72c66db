package io.stopguard.bitget;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** Bitget's answer to a placement: the exchange's order id and the client order id. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PlacedOrder(String orderId, String clientOid) {}
