package io.stopguard.bitget;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Bitget's request signature: {@code base64(HMAC-SHA256(secret, timestamp + METHOD + requestPath + body))},
 * where requestPath carries {@code ?query} when there is one and body is the exact JSON text sent.
 * The WebSocket login signs {@code timestamp + "GET" + "/user/verify"} with the timestamp in seconds.
 */
public final class Signer {
  private Signer() {}

  /** The pre-hash string for a REST request; {@code query} without the leading '?', may be null or empty. */
  public static String preHash(String timestamp, String method, String path, String query, String body) {
    StringBuilder sb = new StringBuilder(timestamp.length() + path.length() + 64)
        .append(timestamp).append(method.toUpperCase(Locale.ROOT)).append(path);
    if (query != null && !query.isEmpty()) sb.append('?').append(query);
    if (body != null) sb.append(body);
    return sb.toString();
  }

  /**
   * A Mac whose provider is already chosen: each signature clones it instead of asking the security
   * providers for an HmacSHA256 again ({@code Mac.getInstance} walks them and builds the engine
   * reflectively: a twentieth of a cold watcher's first sweep). Only cloned, never used itself.
   */
  private static final Mac PROTOTYPE = newMac();

  private static Mac newMac() {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(new byte[] {0}, "HmacSHA256")); // fixes the provider; every clone is initialised again
      return mac;
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e); // every JDK ships it
    }
  }

  private static Mac mac() throws NoSuchAlgorithmException {
    try {
      return (Mac) PROTOTYPE.clone();
    } catch (CloneNotSupportedException e) {
      return Mac.getInstance("HmacSHA256"); // a provider whose engine cannot be cloned
    }
  }

  public static String sign(String secret, String preHash) {
    try {
      Mac mac = mac();
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return Base64.getEncoder().encodeToString(mac.doFinal(preHash.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e); // every JDK ships it
    }
  }

  /** Signature for the private WebSocket login; {@code epochSeconds} as sent in the login args. */
  public static String signWebSocketLogin(String secret, String epochSeconds) {
    return sign(secret, epochSeconds + "GET" + "/user/verify");
  }
}
