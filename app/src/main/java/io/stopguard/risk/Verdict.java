package io.stopguard.risk;

/** Whether a position is protected by an exchange-side stop-loss, and if not, why. */
public enum Verdict {
  /** Stop-loss orders on the right side cover the whole position. */
  PROTECTED,
  /** No stop-loss at all. */
  MISSING,
  /** The stop's trigger is on the profit side of the mark price: it fires at once or never protects. */
  WRONG_SIDE,
  /** The position is liquidated before the trigger is reached. */
  BEYOND_LIQUIDATION,
  /** Partial stops cover less than the position. */
  UNDERSIZED,
  /** A stop exists but for the other side, or a one-way / hedge mix-up. */
  HOLD_SIDE_MISMATCH;

  public boolean isProtected() {
    return this == PROTECTED;
  }
}
