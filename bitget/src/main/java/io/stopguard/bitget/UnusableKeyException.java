package io.stopguard.bitget;

/**
 * A stored key that cannot be sent to Bitget at all: it could not be decrypted, or one of its parts
 * holds characters no HTTP header may carry. Raised before any request leaves; the message names
 * the part and the masked key, never a secret.
 */
public final class UnusableKeyException extends BitgetException {
  public UnusableKeyException(String message) {
    super(message, null);
  }

  @Override
  public ErrorKind kind() {
    return ErrorKind.BAD_KEY;
  }

  @Override
  public String hint() {
    return "re-enter the key with `stopguard keys reset` (or `keys add`); check master.key / STOPGUARD_MASTER_KEY";
  }
}
