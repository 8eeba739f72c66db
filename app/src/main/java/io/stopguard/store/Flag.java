package io.stopguard.store;

/** A row of {@code risk_flags}. */
public record Flag(String flag, int value, String updatedAt, String detail) {}
