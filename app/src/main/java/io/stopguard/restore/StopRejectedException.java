package io.stopguard.restore;

/**
 * A stop that was not placed because it would be wrong (checked before any request) or because
 * the position is not there. Carries what the operator can do about it.
 */
public final class StopRejectedException extends RuntimeException {
  /** Why the stop was refused. */
  public enum Reason {
    INVALID, NO_POSITION, ALREADY_PROTECTED,
    /**
     * Bitget refused the clientOid as a duplicate and no live order carries it: the stop an earlier
     * attempt placed with it was cancelled or triggered. Retrying with the same id can never succeed.
     */
    CLIENT_OID_SPENT,
    /**
     * The caller's right to act ended before a write left (a fleet instance's lease, re-checked once
     * the time it was checked for had passed): nothing more was sent.
     */
    NOT_OURS
  }

  private final Reason reason;

  public StopRejectedException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public StopRejectedException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
