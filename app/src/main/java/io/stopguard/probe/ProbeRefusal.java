package io.stopguard.probe;

/** The probe will not start: the account or the symbol is not safe to probe (the message says why). */
public final class ProbeRefusal extends RuntimeException {
  public ProbeRefusal(String message) {
    super(message);
  }
}
