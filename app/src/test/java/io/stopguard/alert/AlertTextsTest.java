package io.stopguard.alert;

import io.stopguard.store.Incident;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
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

  /** Durations read as a person says them: never "0.0 с" for a fast restore, never Java's "PT10M". */
  @Test
  void durationsReadAsAPersonSaysThem() {
    AlertTexts ru = new AlertTexts("ru");
    AlertTexts en = new AlertTexts("en");
    assertThat(ru.duration(Duration.ofMillis(40))).isEqualTo("< 0,1 с");
    assertThat(en.duration(Duration.ofMillis(40))).isEqualTo("< 0.1 s");
    assertThat(en.duration(Duration.ofMillis(1140))).isEqualTo("1.1 s");
    assertThat(en.duration(Duration.ofMinutes(10))).isEqualTo("10 min 0 s");
    assertThat(ru.duration(Duration.ofMinutes(10))).doesNotContain("PT");
  }

  /** Text from the exchange or the store reaches a shell only as one quoted word. */
  @Test
  void shellWordsAreQuotedWhenTheyAreNotPlain() {
    assertThat(AlertTexts.sh("BTCUSDT")).isEqualTo("BTCUSDT");
    assertThat(AlertTexts.sh("john.doe@corp.com")).isEqualTo("john.doe@corp.com");
    assertThat(AlertTexts.sh("X;rm -rf ~")).isEqualTo("'X;rm -rf ~'");
    assertThat(AlertTexts.sh("a'b $(id)")).isEqualTo("'a'\\''b $(id)'");
    Incident i = new Incident(1, "u$(id)", "X;id", "LONG", "MISSING", "", "open",
        Instant.EPOCH, null, null, null, null, null, null, null, 0, null, null, 0, null, null, false);
    assertThat(new AlertTexts("en").restoreFailing(i, "x", Duration.ofSeconds(1)))
        .contains("--user 'u$(id)' --symbol 'X;id'");
  }
}
