package io.stopguard.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.stopguard.risk.Policy;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;

/**
 * {@code stopguard.yaml} in the home directory (optional; every key has a default). Documented in
 * docs/CONFIG.md. Unknown keys are an error: a typo must not silently fall back to a default.
 */
public record Config(PolicySection policy, TelegramSection telegram, MetricsSection metrics, StatusSection status) {
  public static final Config DEFAULT = new Config(null, null, null, null);

  /** The status page on {@code watch}'s server: its language is its own (English by default), not Telegram's. */
  public record StatusSection(String language) {
    public StatusSection {
      if (language != null && !language.equals("en") && !language.equals("ru")) {
        throw new IllegalArgumentException("status.language must be en or ru (got '" + language + "')");
      }
    }
  }

  /** The status page's language: {@code status.language}, else English. */
  public String statusLanguage() {
    return status == null || status.language() == null ? "en" : status.language();
  }

  /**
   * Telegram alerts. {@code TELEGRAM_BOT_TOKEN}, {@code TELEGRAM_CHAT_ID} and {@code TELEGRAM_API_URL}
   * override the file. Without a token and a chat, alerts are off.
   */
  public record TelegramSection(String botToken, String chatId, String apiUrl, String language, Integer reminderMinutes,
      Integer deliveryBudgetSeconds, Integer maxAgeHours, Integer flapWindowMinutes) {}

  /** Prometheus: the textfile path (relative to the home) and, for {@code watch}, the HTTP listener. */
  public record MetricsSection(String textfile, String listen) {}

  public TelegramSection telegramOrEmpty() {
    return telegram != null ? telegram : new TelegramSection(null, null, null, null, null, null, null, null);
  }

  public MetricsSection metricsOrEmpty() {
    return metrics != null ? metrics : new MetricsSection(null, null);
  }

  public record PolicySection(Boolean countTrailingStops, String requiredTriggerType, BigDecimal maxLossPercent,
      BigDecimal liquidationBufferPercent, BigDecimal sizeTolerancePercent) {}

  public Policy riskPolicy() {
    Policy d = Policy.DEFAULT;
    if (policy == null) return d;
    return new Policy(
        policy.countTrailingStops() != null ? policy.countTrailingStops() : d.countTrailingStops(),
        policy.requiredTriggerType() != null && !policy.requiredTriggerType().isBlank() ? policy.requiredTriggerType() : null,
        policy.maxLossPercent() != null ? policy.maxLossPercent() : d.maxLossPercent(),
        policy.liquidationBufferPercent() != null ? policy.liquidationBufferPercent() : d.liquidationBufferPercent(),
        policy.sizeTolerancePercent() != null ? policy.sizeTolerancePercent() : d.sizeTolerancePercent());
  }

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /** A type error in the reader's words: the key, what it must be, what it got; no Java type names. */
  static String mismatch(MismatchedInputException e) {
    String key = String.join(".", e.getPath().stream()
        .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]").toList());
    Class<?> t = e.getTargetType();
    String want = t == null ? "a value of another kind"
        : BigDecimal.class.equals(t) || Double.class.equals(t) || double.class.equals(t) ? "a plain number"
        : Integer.class.equals(t) || int.class.equals(t) || Long.class.equals(t) || long.class.equals(t) ? "a whole number"
        : Boolean.class.equals(t) || boolean.class.equals(t) ? "true or false"
        : String.class.equals(t) ? "text"
        : Collection.class.isAssignableFrom(t) ? "a list" : "a section of keys";
    String got = e instanceof InvalidFormatException f && f.getValue() != null
        ? " (got '" + f.getValue() + "')" : "";
    return (key.isEmpty() ? "the file" : "'" + key + "'") + " must be " + want + got + " (see docs/CONFIG.md)";
  }

  /** Loads the file if it exists, else the defaults. Errors name the file and the key. */
  public static Config load(Path file) {
    if (!Files.exists(file)) return DEFAULT;
    try {
      Config c = YAML.readValue(file.toFile(), Config.class);
      c = c == null ? DEFAULT : c;
      c.riskPolicy(); // validate ranges now, not at first use
      return c;
    } catch (UnrecognizedPropertyException e) {
      throw new IllegalArgumentException(file + ": unknown key '" + e.getPropertyName() + "' (see docs/CONFIG.md)");
    } catch (MismatchedInputException e) {
      throw new IllegalArgumentException(file + ": " + mismatch(e));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(file + ": " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new IllegalArgumentException(file + ": cannot read: " + e.getMessage());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage());
    }
  }
}
