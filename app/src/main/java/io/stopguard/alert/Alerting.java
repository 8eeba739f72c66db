package io.stopguard.alert;

import io.stopguard.config.Config;
import io.stopguard.store.Store;
import java.io.PrintStream;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * Resolved alert settings: where alerts go (a Telegram chat, the terminal, or nowhere), in which
 * language, how often to remind, and how long a check may spend delivering.
 */
public record Alerting(String chatId, TelegramClient telegram, PrintStream console, AlertTexts texts, Duration reminder,
    Duration deliveryBudget, Duration maxAge, Duration flapWindow) {

  /**
   * Three bare episodes of one position within this window make it "flapping": one alert says so,
   * per-episode alerts are held back, and one more says when it has been quiet for half the window.
   */
  public static final Duration DEFAULT_FLAP_WINDOW = Duration.ofMinutes(10);

  /** The same settings with another flap window (tests, drills). */
  public Alerting withFlapWindow(Duration window) {
    return new Alerting(chatId, telegram, console, texts, reminder, deliveryBudget, maxAge, window);
  }

  public static Alerting none() {
    return new Alerting(null, null, null, new AlertTexts("ru"), Duration.ofHours(1), Duration.ZERO, Duration.ofHours(24),
        DEFAULT_FLAP_WINDOW);
  }

  /** Alerts printed to a terminal (the demo, or no Telegram configured but asked to show). */
  public static Alerting console(PrintStream out, String language) {
    return new Alerting(null, null, out, new AlertTexts(language), Duration.ofHours(1), Duration.ZERO, Duration.ofHours(24),
        DEFAULT_FLAP_WINDOW);
  }

  /** The same settings, with alerts also printed to {@code out} (a command run by a person, without Telegram). */
  public Alerting withConsole(PrintStream out) {
    return new Alerting(chatId, telegram, out, texts, reminder, deliveryBudget, maxAge, flapWindow);
  }

  /** From the environment (wins) and the config file. Telegram is on when both a token and a chat are set. */
  public static Alerting from(Map<String, String> env, Config config) {
    Config.TelegramSection t = config.telegramOrEmpty();
    String token = firstNonBlank(env.get("TELEGRAM_BOT_TOKEN"), t.botToken());
    String chat = firstNonBlank(env.get("TELEGRAM_CHAT_ID"), t.chatId());
    String api = firstNonBlank(env.get("TELEGRAM_API_URL"), t.apiUrl());
    AlertTexts texts = new AlertTexts(t.language());
    Duration reminder = Duration.ofMinutes(t.reminderMinutes() == null ? 60 : t.reminderMinutes());
    Duration budget = Duration.ofSeconds(t.deliveryBudgetSeconds() == null ? 3 : t.deliveryBudgetSeconds());
    Duration maxAge = Duration.ofHours(t.maxAgeHours() == null ? 24 : t.maxAgeHours());
    Duration flap = t.flapWindowMinutes() == null ? DEFAULT_FLAP_WINDOW : Duration.ofMinutes(t.flapWindowMinutes());
    if (flap.isNegative()) throw new IllegalArgumentException("telegram.flapWindowMinutes must be >= 0 (0: no flap damping)");
    if (token == null || chat == null) return new Alerting(null, null, null, texts, reminder, budget, maxAge, flap);
    URI base = api == null ? TelegramClient.DEFAULT_API : URI.create(api.replaceAll("/+$", ""));
    TelegramClient client = new TelegramClient(base, token, Duration.ofSeconds(Math.max(1, Math.min(5, budget.toSeconds()))));
    return new Alerting(chat, client, null, texts, reminder, budget, maxAge, flap);
  }

  /**
   * The one way an alert leaves stopguard: printed as plain text where a terminal is the sink, and
   * queued in the store's outbox where Telegram is on (delivered later, in order, by
   * {@link AlertDelivery}). {@code html} is in Telegram's HTML mode, built by {@link AlertTexts}.
   */
  public void send(Store store, String kind, String html, Instant now) {
    if (console != null) console.println(AlertTexts.plain(html));
    if (telegramEnabled()) store.outbox().enqueue(chatId, kind, html, now);
  }

  public boolean telegramEnabled() {
    return telegram != null && chatId != null;
  }

  public boolean enabled() {
    return telegramEnabled() || console != null;
  }

  public AlertDelivery delivery(Clock clock) {
    return new AlertDelivery(telegram, clock, maxAge);
  }

  private static String firstNonBlank(String a, String b) {
    if (a != null && !a.isBlank()) return a.trim();
    if (b != null && !b.isBlank()) return b.trim();
    return null;
  }
}
