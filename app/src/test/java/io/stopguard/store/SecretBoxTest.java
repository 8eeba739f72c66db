package io.stopguard.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretBoxTest {
  @TempDir
  Path dir;

  @Test
  void sealsAndOpens() {
    SecretBox box = SecretBox.fromEnvOrFile(Map.of(), dir.resolve("master.key"));
    String sealed = box.seal("s3cr3t", "bitget|k1");
    assertThat(sealed).startsWith("v1:").doesNotContain("s3cr3t");
    assertThat(box.seal("s3cr3t", "bitget|k1")).isNotEqualTo(sealed); // fresh IV each time
    assertThat(box.open(sealed, "bitget|k1")).isEqualTo("s3cr3t");
    // the same file gives the same key
    assertThat(SecretBox.fromEnvOrFile(Map.of(), dir.resolve("master.key")).open(sealed, "bitget|k1")).isEqualTo("s3cr3t");
  }

  @Test
  void boundToItsRowAndKey() {
    SecretBox box = SecretBox.fromEnvOrFile(Map.of(), dir.resolve("master.key"));
    String sealed = box.seal("s3cr3t", "bitget|k1");
    assertThatThrownBy(() -> box.open(sealed, "bitget|k2")).hasMessageContaining("wrong master key").hasMessageNotContaining("s3cr3t");
    SecretBox other = SecretBox.fromEnvOrFile(Map.of(SecretBox.ENV, Base64.getEncoder().encodeToString(new byte[32])), dir.resolve("x"));
    assertThatThrownBy(() -> other.open(sealed, "bitget|k1")).hasMessageContaining("wrong master key");
  }

  @Test
  void badEnvKeyIsAClearError() {
    assertThatThrownBy(() -> SecretBox.fromEnvOrFile(Map.of(SecretBox.ENV, "short"), dir.resolve("m")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("32 bytes");
  }

  @Test
  void severalHostsGetOneKeyFromANamedFileOrSystemdCredentials() throws Exception {
    SecretBox first = SecretBox.fromEnvOrFile(Map.of(), dir.resolve("master.key"));
    String sealed = first.seal("s3cr3t", "bitget|k1"); // creates master.key
    Path shared = dir.resolve("shared.key");
    Files.copy(dir.resolve("master.key"), shared);
    SecretBox named = SecretBox.fromEnvOrFile(Map.of(SecretBox.FILE_ENV, shared.toString()), dir.resolve("elsewhere.key"));
    assertThat(named.open(sealed, "bitget|k1")).isEqualTo("s3cr3t");

    Path credentials = Files.createDirectories(dir.resolve("credentials"));
    Files.copy(shared, credentials.resolve("master.key"));
    SecretBox systemd = SecretBox.fromEnvOrFile(Map.of("CREDENTIALS_DIRECTORY", credentials.toString()), dir.resolve("none.key"));
    assertThat(systemd.open(sealed, "bitget|k1")).isEqualTo("s3cr3t");

    assertThatThrownBy(() -> SecretBox.fromEnvOrFile(Map.of(SecretBox.FILE_ENV, dir.resolve("missing").toString()), dir.resolve("m")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("STOPGUARD_MASTER_KEY_FILE=").hasMessageContaining("does not exist");
  }
}
