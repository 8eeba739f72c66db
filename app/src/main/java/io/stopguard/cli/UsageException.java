package io.stopguard.cli;

/** Bad input from the operator: one line on stderr, exit code 2, never a stack trace. */
public final class UsageException extends RuntimeException {
  public UsageException(String message) {
    super(message);
  }
}
