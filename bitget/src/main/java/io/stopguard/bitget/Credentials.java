package io.stopguard.bitget;

import java.util.Objects;

/** An API key with its secret and passphrase. {@link #toString()} never shows the secret parts. */
public record Credentials(String apiKey, String secret, String passphrase) {
  public Credentials {
    Objects.requireNonNull(apiKey, "apiKey");
    Objects.requireNonNull(secret, "secret");
    Objects.requireNonNull(passphrase, "passphrase");
    if (apiKey.isBlank()) throw new IllegalArgumentException("apiKey is blank");
  }

  /** Longest key, secret or passphrase accepted (Bitget's are far shorter). */
  public static final int MAX_LENGTH = 256;

  /**
   * Why Bitget could not accept one part of a key (it travels in an HTTP header, and Bitget issues
   * printable ASCII only), or null if it is fine. Never quotes the value.
   */
  public static String problem(String part, String value) {
    if (value == null || value.isEmpty()) return part + " is empty";
    if (value.length() > MAX_LENGTH) return part + " is longer than " + MAX_LENGTH + " characters";
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        return part + " contains a character Bitget cannot accept at position " + (i + 1)
            + " (only printable ASCII without spaces: letters, digits, punctuation)";
      }
    }
    return null;
  }

  /** The first part Bitget could not accept, or null if all three are fine. */
  public String problem() {
    String p = problem("API key", apiKey);
    if (p == null) p = problem("secret", secret);
    if (p == null) p = problem("passphrase", passphrase);
    return p;
  }

  /** The key with all but its first 4 characters masked, for logs and tables. */
  public String maskedKey() {
    return maskKey(apiKey);
  }

  public static String maskKey(String apiKey) {
    if (apiKey.length() <= 4) return "****";
    // Only printable ASCII is shown: a control byte stored in a key must not reach a terminal.
    StringBuilder sb = new StringBuilder();
    apiKey.codePoints().limit(4).forEach(c -> sb.append(c >= 0x21 && c <= 0x7e ? (char) c : '?'));
    return sb + "****";
  }

  @Override
  public String toString() {
    return "Credentials[apiKey=" + maskedKey() + ", secret=***, passphrase=***]";
  }
}
