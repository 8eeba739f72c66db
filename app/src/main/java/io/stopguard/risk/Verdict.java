package io.stopguard.risk;

/** Whether a position is protected by an exchange-side stop-loss. */
public enum Verdict {
  PROTECTED,
  /** No stop-loss plan order for this position at all. */
  MISSING;

  public boolean isProtected() {
    return this == PROTECTED;
  }
}
