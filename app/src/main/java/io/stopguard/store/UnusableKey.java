package io.stopguard.store;

/**
 * An active key the store cannot hand out: its secret does not decrypt (missing or rotated master
 * key, damaged row) or a part of it is something Bitget cannot accept. {@code reason} never holds
 * a secret; {@code maskedKey} shows at most the key's first four printable characters.
 * {@code undecryptable}: its secret does not open with this process's master key (another process,
 * keyed right, may still use it; a fleet member gives such an account back).
 */
public record UnusableKey(long id, String userId, String exchange, String maskedKey, String reason, boolean undecryptable) {}
