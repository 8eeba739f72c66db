package io.stopguard.sim;

/** An error the simulator answers with, in Bitget's envelope: HTTP status, code and msg. */
public final class SimError extends RuntimeException {
  private final int httpStatus;
  private final String code;

  public SimError(int httpStatus, String code, String msg) {
    super(msg, null, false, false);
    this.httpStatus = httpStatus;
    this.code = code;
  }

  /** Most of Bitget's client errors come back as HTTP 400. */
  public static SimError bad(String code, String msg) {
    return new SimError(400, code, msg);
  }

  public static SimError missing(String param) {
    return bad("40019", "Parameter " + param + " cannot be empty");
  }

  public static SimError paramInvalid() {
    return bad("400172", "Parameter verification failed");
  }

  public int httpStatus() {
    return httpStatus;
  }

  public String code() {
    return code;
  }
}
