package io.stopguard.bitget;

/** What a Bitget error means for the caller. */
public enum ErrorKind {
  /** Network trouble, 5xx, 429, maintenance: try again later with back-off. */
  RETRYABLE,
  /** The request itself is wrong (parameters, precision, side): fix it, do not repeat it. */
  BAD_REQUEST,
  /** Key, secret, passphrase, IP whitelist or signature wrong: fix the key. */
  BAD_KEY,
  /** The key works but lacks a permission (e.g. futures trade). */
  PERMISSION,
  /** Local clock too far from Bitget's: resync time. */
  CLOCK,
  /** The position or order is gone (closed, triggered, cancelled). */
  GONE,
  /** Trigger on the wrong side of the mark price. */
  WRONG_SIDE,
  /**
   * Bitget already knows this clientOid: the order it names exists, or existed and was cancelled
   * or triggered. Look it up before deciding; never place again with the same id.
   */
  DUPLICATE_CLIENT_OID,
  /** Something else. */
  OTHER
}
