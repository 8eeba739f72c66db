package io.stopguard.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;

/**
 * One connection to {@code /v2/ws/private}: "ping" → "pong", login (signed like REST over
 * {@code timestamp + "GET" + "/user/verify"}, timestamp in seconds, ±30 s), subscribe to
 * {@code positions} / {@code orders-algo} for USDT-FUTURES, then a snapshot and an update on every
 * change. The idle timeout (no message for 120 s) closes it, as Bitget does.
 *
 * <p>Bitget's per-connection limits: more than 10 messages (pings included) in a second closes
 * the connection (1008); more than 240 subscribe requests in an hour are refused (error 30007, the
 * simulator's code); one login per connection (a second one with another key: error 30012).
 */
public final class PrivateWebSocket implements Session.Listener.AutoDemanding, SimListener {
  private static final Set<String> CHANNELS = Set.of("positions", "orders-algo");

  private final SimExchange ex;
  private final SimServer server;
  private final ObjectMapper json = new ObjectMapper();
  private final Set<String> subscribed = ConcurrentHashMap.newKeySet();
  private volatile Session session;
  private volatile String apiKey;
  private volatile String uid;
  private volatile String instType = "USDT-FUTURES";

  private final String ip;
  private final RateLimits limits;
  private final AtomicBoolean released = new AtomicBoolean();
  private final SlidingWindow messages = new SlidingWindow(1000);
  private final SlidingWindow subscribes = new SlidingWindow(3_600_000);

  PrivateWebSocket(SimExchange ex, SimServer server, String ip, RateLimits limits) {
    this.ex = ex;
    this.server = server;
    this.ip = ip;
    this.limits = limits;
  }

  private void release() {
    if (released.compareAndSet(false, true)) limits.connectionClosed(ip);
  }

  String uid() {
    return uid;
  }

  void drop() {
    Session s = session;
    if (s != null) s.disconnect();
  }

  @Override
  public void onWebSocketOpen(Session s) {
    this.session = s;
    server.opened(this);
  }

  @Override
  public void onWebSocketClose(int status, String reason) {
    ex.removeListener(this);
    server.closed(this);
    release();
  }

  @Override
  public void onWebSocketError(Throwable cause) {
    ex.removeListener(this);
    server.closed(this);
    release();
  }

  @Override
  public void onWebSocketText(String text) {
    if (limits.enabled && messages.add(System.currentTimeMillis()) > 10) {
      Session s = session;
      if (s != null) s.close(1008, "too many messages: over 10 per second", Callback.NOOP);
      return;
    }
    if (text.equals("ping")) {
      send("pong");
      return;
    }
    JsonNode n;
    try {
      n = json.readTree(text);
    } catch (Exception e) {
      error(30001, "Invalid request: not JSON");
      return;
    }
    String op = n.path("op").asText("");
    switch (op) {
      case "login" -> login(n.path("args").path(0));
      case "subscribe" -> {
        if (limits.enabled && subscribes.add(System.currentTimeMillis()) > 240) {
          error(30007, "Request too many: over 240 subscription requests per hour");
          return;
        }
        for (JsonNode arg : n.path("args")) subscribe(arg);
      }
      case "unsubscribe" -> {
        for (JsonNode arg : n.path("args")) {
          subscribed.remove(arg.path("channel").asText());
          send(Map.of("event", "unsubscribe", "arg", arg));
        }
      }
      default -> error(30001, "Invalid op: " + op);
    }
  }

  private void login(JsonNode a) {
    String key = a.path("apiKey").asText("");
    String pass = a.path("passphrase").asText("");
    String ts = a.path("timestamp").asText("");
    String sign = a.path("sign").asText("");
    SimExchange.Account acct = ex.accountByKey(key);
    long t;
    try {
      t = Long.parseLong(ts);
    } catch (NumberFormatException e) {
      error(30005, "Invalid timestamp");
      return;
    }
    if (Math.abs(ex.now() / 1000 - t) > RestApi.TIMESTAMP_WINDOW_MS / 1000) {
      error(30008, "Request timestamp expired");
      return;
    }
    if (acct == null) {
      error(30002, "Illegal request: apikey does not exist");
      return;
    }
    if (apiKey != null && !apiKey.equals(key)) {
      error(30012, "Already logged in: one API key per connection");
      return;
    }
    if (!acct.passphrase.equals(pass)) {
      error(30006, "Passphrase error");
      return;
    }
    if (!MessageDigest.isEqual(hmac(acct.secretKey, ts + "GET" + "/user/verify").getBytes(StandardCharsets.UTF_8),
        sign.getBytes(StandardCharsets.UTF_8))) {
      error(30005, "Invalid sign");
      return;
    }
    this.apiKey = key;
    this.uid = acct.uid;
    ex.addListener(this);
    send(Map.of("event", "login", "code", 0, "msg", ""));
  }

  private void subscribe(JsonNode arg) {
    String channel = arg.path("channel").asText("");
    String it = arg.path("instType").asText("");
    if (apiKey == null) {
      error(30004, "User not logged in");
      return;
    }
    if (!CHANNELS.contains(channel)) {
      error(30001, "channel:" + channel + " doesn't exist");
      return;
    }
    if (!it.equals("USDT-FUTURES") && !it.equals("SUSDT-FUTURES")) {
      error(30001, "instType:" + it + " doesn't exist");
      return;
    }
    instType = it;
    subscribed.add(channel);
    send(Map.of("event", "subscribe", "arg", arg(channel)));
    push(channel, "snapshot", channel.equals("positions") ? ex.wsPositionsJson(apiKey) : ex.wsPlansJson(apiKey));
  }

  @Override
  public void positionsChanged(String uid, String key) {
    if (key.equals(apiKey) && subscribed.contains("positions")) push("positions", "snapshot", ex.wsPositionsJson(key));
  }

  @Override
  public void planChanged(String uid, String key, Map<String, Object> order) {
    if (key.equals(apiKey) && subscribed.contains("orders-algo")) push("orders-algo", "update", List.of(order));
  }

  private Map<String, Object> arg(String channel) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("instType", instType);
    m.put("channel", channel);
    m.put("instId", "default");
    return m;
  }

  private void push(String channel, String action, List<Map<String, Object>> data) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("action", action);
    m.put("arg", arg(channel));
    m.put("data", data);
    m.put("ts", ex.now());
    long delay = server.webSocketDelayMs();
    if (delay > 0) server.scheduler().schedule(() -> send(m), delay, java.util.concurrent.TimeUnit.MILLISECONDS);
    else send(m);
  }

  private void error(int code, String msg) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("event", "error");
    m.put("code", code);
    m.put("msg", msg);
    send(m);
  }

  private void send(Object o) {
    Session s = session;
    if (s == null || !s.isOpen()) return;
    try {
      s.sendText(o instanceof String str ? str : json.writeValueAsString(o), Callback.NOOP);
    } catch (Exception e) {
      // a closing session: nothing to do
    }
  }

  private static String hmac(String secret, String preHash) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return Base64.getEncoder().encodeToString(mac.doFinal(preHash.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
