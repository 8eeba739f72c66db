package io.stopguard.alert;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class AlertTextsTest {
  @Test
  void escapesTelegramHtml() {
    assertThat(AlertTexts.esc("a<b>&c")).isEqualTo("a&lt;b&gt;&amp;c");
  }

  @Test
  void splitsLongTextsAtLineBreaksWithinTheLimit() {
    String line = "x".repeat(1000);
    String text = String.join("\n", List.of(line, line, line, line, line, line));
    List<String> parts = TelegramClient.split(text);
    assertThat(parts).hasSize(2).allSatisfy(p -> assertThat(p.length()).isLessThanOrEqualTo(TelegramClient.MAX_TEXT));
    assertThat(String.join("\n", parts)).isEqualTo(text);
    assertThat(TelegramClient.split("y".repeat(9000))).hasSize(3).allSatisfy(p -> assertThat(p.length()).isLessThanOrEqualTo(4096));
    assertThat(TelegramClient.split("short")).containsExactly("short");
  }
}
