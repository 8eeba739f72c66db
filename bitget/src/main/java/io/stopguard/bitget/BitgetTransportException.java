package io.stopguard.bitget;

/**
 * No usable answer: connection refused, timeout, or a body that is not Bitget's envelope. After a
 * timeout on a placement the order may or may not exist: look before placing again.
 */
public final class BitgetTransportException extends BitgetException {
  private final boolean timeout;

  public BitgetTransportException(String message, boolean timeout, Throwable cause) {
    super(message, cause);
    this.timeout = timeout;
  }

  public boolean isTimeout() {
    return timeout;
  }

  @Override
  public ErrorKind kind() {
    return ErrorKind.RETRYABLE;
  }

  @Override
  public String hint() {
    return timeout
        ? "Bitget did not answer in time; a placement may have landed: check pending plan orders before retrying"
        : "Bitget could not be reached; check network / STOPGUARD_BITGET_BASE_URL and retry";
  }
}
