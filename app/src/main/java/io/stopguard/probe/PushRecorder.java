package io.stopguard.probe;

import io.stopguard.guard.Timebase;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stopguard.bitget.Credentials;
import io.stopguard.bitget.Signer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The private WebSocket as the probe sees it: logs in, subscribes {@code positions} and
 * {@code orders-algo}, and records every push with the step it arrived in. Raw on purpose: the
 * probe reports what Bitget sends (action, channel), not what the guard's client makes of it.
 */
final class PushRecorder implements AutoCloseable {
  /** One push: when, during which step, its channel and action, and how many items it carried. */
  record Push(long atMs, String step, String channel, String action, int items) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private final List<Push> pushes = new CopyOnWriteArrayList<>();
  private final List<String> errors = new CopyOnWriteArrayList<>();
  private final CountDownLatch subscribed = new CountDownLatch(2);
  private final LongSupplier clock;
  private volatile String step = "connect";
  private WebSocket ws;
  private ScheduledExecutorService pinger;

  PushRecorder(LongSupplier clock) {
    this.clock = clock;
  }

  /** Connects and subscribes; false (with the reason in {@link #errors}) when that did not happen within 10 s. */
  boolean open(URI url, Credentials c, boolean demo, long serverOffsetMs) {
    try {
      ws = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
          .buildAsync(url, new Listener()).get(10, TimeUnit.SECONDS);
      String ts = Long.toString((clock.getAsLong() + serverOffsetMs) / 1000);
      // Each send is awaited: the JDK's WebSocket allows one outstanding send, and a second one while
      // the first is still pending fails in its future, which nobody read. Under load the login's
      // answer came back before its send had completed, the subscribe after it failed that way, and
      // the probe waited 10 s for acks to a subscribe never sent (ProbeTest, once in CI).
      ws.sendText("{\"op\":\"login\",\"args\":[{\"apiKey\":" + JSON.writeValueAsString(c.apiKey()) + ",\"passphrase\":"
          + JSON.writeValueAsString(c.passphrase()) + ",\"timestamp\":\"" + ts + "\",\"sign\":"
          + JSON.writeValueAsString(Signer.signWebSocketLogin(c.secret(), ts)) + "}]}", true).get(10, TimeUnit.SECONDS);
      pinger = Timebase.daemonTimer(1, "probe-ws-ping");
      pinger.scheduleAtFixedRate(() -> ws.sendText("ping", true), 20, 20, TimeUnit.SECONDS);
      String instType = demo ? "SUSDT-FUTURES" : "USDT-FUTURES";
      if (!loggedIn.await(10, TimeUnit.SECONDS)) {
        errors.add("no login answer within 10 s");
        return false;
      }
      ws.sendText("{\"op\":\"subscribe\",\"args\":[{\"instType\":\"" + instType + "\",\"channel\":\"positions\",\"instId\":\"default\"},"
          + "{\"instType\":\"" + instType + "\",\"channel\":\"orders-algo\",\"instId\":\"default\"}]}", true)
          .get(10, TimeUnit.SECONDS);
      return subscribed.await(10, TimeUnit.SECONDS) && errors.isEmpty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (Exception e) {
      errors.add("WebSocket: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage()));
      return false;
    }
  }

  private final CountDownLatch loggedIn = new CountDownLatch(1);

  void step(String name) {
    this.step = name;
  }

  List<Push> pushes() {
    return List.copyOf(pushes);
  }

  List<String> errors() {
    return List.copyOf(errors);
  }

  @Override
  public void close() {
    if (pinger != null) pinger.shutdownNow();
    if (ws != null) ws.abort();
  }

  private final class Listener implements WebSocket.Listener {
    private final StringBuilder sb = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
      sb.append(data);
      if (last) {
        String text = sb.toString();
        sb.setLength(0);
        handle(text);
      }
      w.request(1);
      return null;
    }

    private void handle(String text) {
      if (text.equals("pong")) return;
      try {
        JsonNode n = JSON.readTree(text);
        String event = n.path("event").asText("");
        if (event.equals("login")) {
          if (n.path("code").asInt(-1) == 0) loggedIn.countDown();
          else errors.add("login refused: " + n.path("code").asText() + " " + n.path("msg").asText());
        } else if (event.equals("subscribe")) {
          subscribed.countDown();
        } else if (event.equals("error")) {
          errors.add("error " + n.path("code").asText() + ": " + n.path("msg").asText());
          loggedIn.countDown();
          subscribed.countDown();
          subscribed.countDown();
        } else if (n.has("action")) {
          pushes.add(new Push(clock.getAsLong(), step, n.path("arg").path("channel").asText(), n.path("action").asText(),
              n.path("data").size()));
        }
      } catch (Exception e) {
        errors.add("unreadable push");
      }
    }

    @Override
    public void onError(WebSocket w, Throwable error) {
      errors.add("WebSocket error: " + error.getClass().getSimpleName());
    }
  }
}
