package io.stopguard.bitget;

/** Any failure talking to Bitget. Messages never carry secrets. */
public abstract sealed class BitgetException extends RuntimeException
    permits BitgetApiException, BitgetTransportException, UnusableKeyException {
  BitgetException(String message, Throwable cause) {
    super(message, cause);
  }

  /** What kind of failure this is, for the caller's decision (retry, fix the key, give up...). */
  public abstract ErrorKind kind();

  /** One line an operator can act on. */
  public abstract String hint();
}
