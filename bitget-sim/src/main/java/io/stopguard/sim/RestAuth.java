package io.stopguard.sim;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Bitget's REST authentication, re-implemented from its docs (independent of the project's client on
 * purpose): the four headers, the timestamp window, the key, the passphrase, then the HMAC-SHA256
 * signature over {@code timestamp + METHOD + path + ?query + body}, with the error code Bitget gives
 * for each failure (bitget-sim/README.md, "Authentication").
 */
final class RestAuth {
  private final SimExchange ex;

  RestAuth(SimExchange ex) {
    this.ex = ex;
  }

  /** As {@link #authenticate(String, String, String, Map, String)}, from {@code clientIp}: a key bound elsewhere is 40018. */
  Account authenticate(String method, String path, String rawQuery, Map<String, String> h, String body, String clientIp) {
    Account a = authenticate(method, path, rawQuery, h, body);
    if (!a.ips.isEmpty() && !a.ips.contains(clientIp)) throw SimError.bad("40018", "Invalid IP");
    return a;
  }

  Account authenticate(String method, String path, String rawQuery, Map<String, String> h, String body) {
    String key = h.get("access-key");
    String sign = h.get("access-sign");
    String ts = h.get("access-timestamp");
    String pass = h.get("access-passphrase");
    if (Params.blank(key)) throw SimError.bad("40001", "ACCESS_KEY cannot be empty");
    if (Params.blank(sign)) throw SimError.bad("40003", "Signature cannot be empty");
    if (Params.blank(ts)) throw SimError.bad("40005", "Invalid ACCESS_TIMESTAMP");
    if (Params.blank(pass)) throw SimError.bad("40011", "ACCESS_PASSPHRASE cannot be empty");
    long t;
    try {
      t = Long.parseLong(ts);
    } catch (NumberFormatException e) {
      throw SimError.bad("40005", "Invalid ACCESS_TIMESTAMP");
    }
    if (Math.abs(ex.now() - t) > RestApi.TIMESTAMP_WINDOW_MS) throw SimError.bad("40008", "Request timestamp expired");
    Account a = ex.accountByKey(key);
    if (a == null) throw SimError.bad("40037", "Apikey does not exist");
    if (!MessageDigest.isEqual(a.passphrase.getBytes(StandardCharsets.UTF_8), pass.getBytes(StandardCharsets.UTF_8))) {
      throw SimError.bad("40012", "apikey/password is incorrect");
    }
    // Verify against the query exactly as received, and its percent-decoded form (ccxt signs the raw one).
    String b = body == null ? "" : body;
    boolean valid = matches(a.secretKey, ts + method + path + (Params.blank(rawQuery) ? "" : "?" + rawQuery) + b, sign);
    if (!valid && !Params.blank(rawQuery)) {
      String decoded = URLDecoder.decode(rawQuery, StandardCharsets.UTF_8);
      valid = matches(a.secretKey, ts + method + path + "?" + decoded + b, sign);
    }
    if (!valid) throw SimError.bad("40009", "sign signature error");
    return a;
  }

  private static boolean matches(String secret, String preHash, String sign) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      byte[] expected = Base64.getEncoder().encode(mac.doFinal(preHash.getBytes(StandardCharsets.UTF_8)));
      return MessageDigest.isEqual(expected, sign.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
