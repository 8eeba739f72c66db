package io.stopguard.store;

/**
 * An active key the store cannot hand out: its secret does not decrypt (missing or rotated master
 * key, damaged row) or a part of it is something Bitget cannot accept. {@code reason} never holds
 * a secret; {@code maskedKey} shows at most the key's first four printable characters.
 */
public record UnusableKey(long id, String userId, String exchange, String maskedKey, String reason) {}
