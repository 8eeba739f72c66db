package io.stopguard.store;

/** A stored key as listings show it: no secret, key masked by the caller if needed. */
public record KeyRow(long id, String userId, String exchange, String apiKey, boolean active, boolean demoTrading,
    String createdAt, String updatedAt) {}
