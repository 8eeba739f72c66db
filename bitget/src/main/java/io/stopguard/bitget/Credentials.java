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

  /** The key with all but its first 4 characters masked, for logs and tables. */
  public String maskedKey() {
    return maskKey(apiKey);
  }

  public static String maskKey(String apiKey) {
    return apiKey.length() <= 4 ? "****" : apiKey.substring(0, 4) + "****";
  }

  @Override
  public String toString() {
    return "Credentials[apiKey=" + maskedKey() + ", secret=***, passphrase=***]";
  }
}
