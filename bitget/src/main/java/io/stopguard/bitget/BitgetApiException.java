package io.stopguard.bitget;

/** Bitget answered with an error envelope: {@code {"code":"40812","msg":"...","data":null}}. */
public final class BitgetApiException extends BitgetException {
  private final int httpStatus;
  private final String code;
  private final String msg;

  public BitgetApiException(int httpStatus, String code, String msg) {
    super("Bitget " + code + ": " + msg + " (HTTP " + httpStatus + ")", null);
    this.httpStatus = httpStatus;
    this.code = code;
    this.msg = msg;
  }

  public int httpStatus() {
    return httpStatus;
  }

  /** Bitget's error code, a string such as {@code "40812"}. */
  public String code() {
    return code;
  }

  public String msg() {
    return msg;
  }

  @Override
  public ErrorKind kind() {
    return ErrorCatalogue.kind(code, httpStatus);
  }

  @Override
  public String hint() {
    return ErrorCatalogue.hint(code, httpStatus);
  }
}
