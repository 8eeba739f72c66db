package io.stopguard.cli;

/** Exit codes shared by every command (cron and CI scripts rely on them). */
public final class ExitCodes {
  private ExitCodes() {}

  /** Done; for checks: every position protected. */
  public static final int OK = 0;
  /** Checks: unprotected positions found. */
  public static final int UNPROTECTED = 1;
  /** Bad command line or input. */
  public static final int USAGE = 2;
  /** Could not complete: network, keys, store. */
  public static final int INCOMPLETE = 3;
}
