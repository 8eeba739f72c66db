package io.stopguard.check;

/** The store holds no active Bitget key: a check would see nothing, so it does not pretend to pass. */
public final class NoActiveKeysException extends RuntimeException {
  public NoActiveKeysException(String db) {
    super("no active Bitget keys in " + db + "; add one with: stopguard keys add --user ID --exchange bitget --api-key KEY");
  }
}
