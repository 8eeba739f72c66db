package io.stopguard.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local stand-in for the Telegram Bot API over real HTTP: records every sendMessage, and can
 * answer 429 with retry_after, or hang, on demand.
 */
public final class FakeTelegram implements AutoCloseable {
  public record Received(long atMillis, String token, String chatId, String text, String parseMode) {}

  public enum Mode { OK, HANG, ERROR_500 }

  private final HttpServer server;
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final List<Long> attempts = new CopyOnWriteArrayList<>();
  private final AtomicInteger tooManyRequests = new AtomicInteger();
  private volatile int retryAfterSeconds = 1;
  private volatile Mode mode = Mode.OK;
  private final ObjectMapper json = new ObjectMapper();

  public FakeTelegram() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "fake-telegram");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/", ex -> {
      long now = System.currentTimeMillis();
      attempts.add(now);
      String path = ex.getRequestURI().getPath(); // /bot<token>/sendMessage
      String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      int status;
      String answer;
      if (mode == Mode.HANG) {
        try {
          Thread.sleep(60_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        ex.close();
        return;
      }
      if (mode == Mode.ERROR_500) {
        status = 500;
        answer = "{\"ok\":false,\"error_code\":500,\"description\":\"Internal Server Error\"}";
      } else if (tooManyRequests.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        status = 429;
        answer = "{\"ok\":false,\"error_code\":429,\"description\":\"Too Many Requests: retry after " + retryAfterSeconds
            + "\",\"parameters\":{\"retry_after\":" + retryAfterSeconds + "}}";
      } else if (!path.matches("/bot[^/]+/sendMessage")) {
        status = 404;
        answer = "{\"ok\":false,\"error_code\":404,\"description\":\"Not Found\"}";
      } else {
        JsonNode n = json.readTree(body);
        String token = path.substring(4, path.indexOf("/sendMessage"));
        received.add(new Received(now, token, n.path("chat_id").asText(), n.path("text").asText(), n.path("parse_mode").asText()));
        status = 200;
        answer = "{\"ok\":true,\"result\":{\"message_id\":" + received.size() + "}}";
      }
      byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "application/json");
      ex.sendResponseHeaders(status, bytes.length);
      ex.getResponseBody().write(bytes);
      ex.close();
    });
    server.start();
  }

  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  public List<Received> received() {
    return List.copyOf(received);
  }

  public List<Long> attempts() {
    return List.copyOf(attempts);
  }

  public void mode(Mode m) {
    this.mode = m;
  }

  /** The next {@code n} requests get 429 with {@code retry_after = seconds}. */
  public void tooManyRequests(int n, int seconds) {
    retryAfterSeconds = seconds;
    tooManyRequests.set(n);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
