package io.stopguard.store;

import io.stopguard.bitget.KeyInfo;

/**
 * A stored key as listings show it: no secret, key masked by the caller if needed; {@code info}: what
 * Bitget last said of it (permissions, bound addresses), null if never asked.
 */
public record KeyRow(long id, String userId, String exchange, String apiKey, boolean active, boolean demoTrading,
    String createdAt, String updatedAt, KeyInfo info) {}
