package io.stopguard.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM for API secrets at rest. The master key comes from {@code STOPGUARD_MASTER_KEY}
 * (base64 of 32 bytes) or from a key file created with mode 0600 when the first secret is stored. Each ciphertext is
 * bound to its row (associated data), so a secret copied onto another key's row does not decrypt.
 * Format: {@code v1:base64(iv ‖ ciphertext ‖ tag)}.
 */
public final class SecretBox {
  public static final String ENV = "STOPGUARD_MASTER_KEY";
  public static final String FILE_ENV = "STOPGUARD_MASTER_KEY_FILE";
  private static final int IV_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final SecureRandom RANDOM = new SecureRandom();

  /** Null until known: a key file that does not exist yet is created by the first {@link #seal}, never by a read. */
  private volatile SecretKey key;
  /** Where the key lives (or will be created); null when it comes from the environment. */
  private final Path keyFile;

  private SecretBox(byte[] key, Path keyFile) {
    this.key = key == null ? null : spec(key);
    this.keyFile = keyFile;
  }

  private static SecretKey spec(byte[] key) {
    if (key.length != 32) throw new IllegalArgumentException("master key must be 32 bytes (base64 of 32 random bytes)");
    return new SecretKeySpec(key, "AES");
  }

  /**
   * The master key from the environment, else from {@code keyFile}. A missing file is not created
   * here: only storing a secret creates it (see {@link #seal}), so a lost key file shows up as an
   * error on every stored secret instead of being silently replaced by a new, useless key.
   */
  public static SecretBox fromEnvOrFile(Map<String, String> env, Path keyFile) {
    // Several hosts sharing one PostgreSQL store need one master key: from a file named explicitly
    // (STOPGUARD_MASTER_KEY_FILE), or from systemd's LoadCredential=master.key:... (CREDENTIALS_DIRECTORY).
    String named = env.get(FILE_ENV);
    if (named != null && !named.isBlank()) {
      Path f = Path.of(named.trim());
      if (!Files.isRegularFile(f)) throw new IllegalArgumentException(FILE_ENV + "=" + named + " does not exist");
      return new SecretBox(read(f), f);
    }
    String credentials = env.get("CREDENTIALS_DIRECTORY");
    if (credentials != null && !credentials.isBlank() && Files.isRegularFile(Path.of(credentials, "master.key"))) {
      Path f = Path.of(credentials, "master.key");
      return new SecretBox(read(f), f);
    }
    String fromEnv = env.get(ENV);
    if (fromEnv != null && !fromEnv.isBlank()) {
      try {
        return new SecretBox(Base64.getDecoder().decode(fromEnv.trim()), null);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(ENV + " is not base64 of 32 bytes (make one: openssl rand -base64 32)");
      }
    }
    return new SecretBox(Files.exists(keyFile) ? read(keyFile) : null, keyFile);
  }

  private static byte[] read(Path keyFile) {
    try {
      byte[] k = Base64.getDecoder().decode(Files.readString(keyFile).trim());
      spec(k);
      return k;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the master key file " + keyFile + ": " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("master key file " + keyFile + " is damaged: " + e.getMessage());
    }
  }

  /**
   * An identifier of this master key, safe to store and print: the first 16 hex digits of an HMAC of
   * a constant under it. Two hosts with the same key give the same identifier; nothing about the
   * key can be learnt from it. Null while there is no key.
   */
  public String keyId() {
    SecretKey k = key;
    if (k == null && keyFile != null && Files.exists(keyFile)) k = spec(read(keyFile));
    if (k == null) return null;
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(k.getEncoded(), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal("stopguard master key id v1".getBytes(StandardCharsets.UTF_8))).substring(0, 16);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 unavailable", e);
    }
  }

  /** Whether a master key exists (from the environment or its file). */
  public boolean hasKey() {
    return key != null || (keyFile != null && Files.exists(keyFile));
  }

  /** Where the key is missing from, for messages: the file and the variable. */
  public String whereMissing() {
    return (keyFile == null ? "" : keyFile + " does not exist and ") + ENV + " is not set";
  }

  /** The key, creating the key file (mode 0600) if there is none yet: only for sealing a new secret. */
  private synchronized SecretKey keyForSealing() {
    if (key != null) return key;
    try {
      if (!Files.exists(keyFile)) {
        byte[] k = new byte[32];
        RANDOM.nextBytes(k);
        Files.createDirectories(keyFile.toAbsolutePath().getParent());
        try {
          Files.createFile(keyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
          Files.writeString(keyFile, Base64.getEncoder().encodeToString(k) + "\n");
        } catch (FileAlreadyExistsException raced) {
          // another process made it first: use theirs
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the master key file " + keyFile + ": " + e.getMessage(), e);
    }
    key = spec(read(keyFile));
    return key;
  }

  private SecretKey keyForOpening() {
    SecretKey k = key;
    if (k == null && keyFile != null && Files.exists(keyFile)) {
      synchronized (this) {
        if (key == null) key = spec(read(keyFile));
        k = key;
      }
    }
    if (k == null) {
      throw new IllegalStateException("cannot decrypt a stored secret: the master key is missing (" + whereMissing()
          + "); restore master.key from its backup or set " + ENV);
    }
    return k;
  }

  public String seal(String plaintext, String associatedData) {
    try {
      byte[] iv = new byte[IV_BYTES];
      RANDOM.nextBytes(iv);
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, keyForSealing(), new GCMParameterSpec(TAG_BITS, iv));
      c.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
      byte[] ct = c.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
      byte[] out = new byte[iv.length + ct.length];
      System.arraycopy(iv, 0, out, 0, iv.length);
      System.arraycopy(ct, 0, out, iv.length, ct.length);
      return "v1:" + Base64.getEncoder().encodeToString(out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM unavailable", e);
    }
  }

  private final AtomicLong opened = new AtomicLong();

  /** How many values this box has been asked to open (tests and benchmarks: what a key refresh costs). */
  public long opened() {
    return opened.get();
  }

  /** Decrypts; a wrong master key or a tampered value fails with a message naming neither secret. */
  public String open(String sealed, String associatedData) {
    opened.incrementAndGet();
    if (sealed == null || !sealed.startsWith("v1:")) throw new IllegalStateException("stored secret has an unknown format");
    SecretKey k = keyForOpening();
    byte[] in;
    try {
      in = Base64.getDecoder().decode(sealed.substring(3));
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("stored secret is damaged (not base64)");
    }
    if (in.length <= IV_BYTES) throw new IllegalStateException("stored secret is damaged (too short)");
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, k, new GCMParameterSpec(TAG_BITS, in, 0, IV_BYTES));
      c.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
      return new String(c.doFinal(in, IV_BYTES, in.length - IV_BYTES), StandardCharsets.UTF_8);
    } catch (AEADBadTagException e) {
      throw new IllegalStateException("cannot decrypt a stored secret: wrong master key (" + ENV + " or master.key)?");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM unavailable", e);
    }
  }
}
