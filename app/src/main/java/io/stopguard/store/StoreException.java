package io.stopguard.store;

/** The store could not be opened, migrated, read or written. The message says which file and why. */
public final class StoreException extends RuntimeException {
  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
