package io.stopguard.restore;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Deterministic client order ids: the same intent gives the same id, so a retry after a timeout
 * is refused by Bitget as a duplicate (40786) instead of placing a second stop.
 */
public final class ClientOids {
  private ClientOids() {}

  /** {@code sg-} and 29 hex digits of SHA-256 over the parts: 32 characters, within Bitget's limit. */
  public static String of(String... parts) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (String p : parts) {
        md.update(String.valueOf(p).getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0x1f);
      }
      return "sg-" + HexFormat.of().formatHex(md.digest()).substring(0, 29);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
