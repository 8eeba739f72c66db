package io.stopguard.alert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Bot API {@code sendMessage} over the JDK HTTP client. The token never appears in errors. */
public final class TelegramClient {
  public static final URI DEFAULT_API = URI.create("https://api.telegram.org");
  /** Telegram's limit on a message's text. */
  public static final int MAX_TEXT = 4096;

  /** The outcome of one send. */
  public sealed interface Result {
    record Sent() implements Result {}

    /** 429: wait exactly this long before the next request to this chat. */
    record RetryAfter(Duration delay) implements Result {}

    /** Network trouble or 5xx: try later. */
    record Failed(String error) implements Result {}

    /** Telegram refused the message itself (bad chat, bad markup): retrying will not help. */
    record Rejected(String error) implements Result {}
  }

  private final URI api;
  private final String token;
  private final HttpClient http;
  private final Duration timeout;
  private final ObjectMapper json = new ObjectMapper();

  private static final Pattern TOKEN = Pattern.compile("\\d{1,20}:[A-Za-z0-9_-]{1,200}");

  /**
   * @throws IllegalArgumentException if {@code token} is not shaped like a bot token: such a token
   *     could never deliver an alert, and would end up in clear in a URL error. The message never
   *     quotes it.
   */
  public TelegramClient(URI api, String token, Duration timeout) {
    if (token == null || !TOKEN.matcher(token).matches()) {
      throw new IllegalArgumentException("TELEGRAM_BOT_TOKEN is not a Telegram bot token (digits, ':', then letters,"
          + " digits, '-' or '_'; as @BotFather gives it): no alert could be delivered. Fix or unset it.");
    }
    this.api = api;
    this.token = token;
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  public Result send(String chatId, String html) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("chat_id", chatId);
    body.put("text", html);
    body.put("parse_mode", "HTML");
    body.put("disable_web_page_preview", true);
    HttpResponse<String> resp;
    try {
      HttpRequest req = HttpRequest.newBuilder(URI.create(api + "/bot" + token + "/sendMessage"))
          .timeout(timeout).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body), StandardCharsets.UTF_8)).build();
      resp = http.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      return new Result.Failed(e instanceof HttpTimeoutException ? "timeout" : "network: " + e.getClass().getSimpleName());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result.Failed("interrupted");
    }
    JsonNode root;
    try {
      root = json.readTree(resp.body());
    } catch (IOException e) {
      root = json.createObjectNode();
    }
    if (resp.statusCode() == 200 && root.path("ok").asBoolean(false)) return new Result.Sent();
    String desc = root.path("description").asText("HTTP " + resp.statusCode());
    if (resp.statusCode() == 429) {
      long after = root.path("parameters").path("retry_after").asLong(1);
      return new Result.RetryAfter(Duration.ofSeconds(Math.max(1, after)));
    }
    if (resp.statusCode() >= 500) return new Result.Failed(desc);
    return new Result.Rejected(desc);
  }

  /** Splits a long text at line breaks (or hard, for one overlong line) into parts Telegram accepts. */
  public static List<String> split(String text) {
    List<String> parts = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    for (String line : text.split("\n", -1)) {
      while (line.length() > MAX_TEXT) {
        if (!cur.isEmpty()) {
          parts.add(cur.toString());
          cur.setLength(0);
        }
        parts.add(line.substring(0, MAX_TEXT));
        line = line.substring(MAX_TEXT);
      }
      if (cur.length() + line.length() + (cur.isEmpty() ? 0 : 1) > MAX_TEXT) {
        parts.add(cur.toString());
        cur.setLength(0);
      }
      if (!cur.isEmpty()) cur.append('\n');
      cur.append(line);
    }
    if (!cur.isEmpty() || parts.isEmpty()) parts.add(cur.toString());
    return parts;
  }
}
