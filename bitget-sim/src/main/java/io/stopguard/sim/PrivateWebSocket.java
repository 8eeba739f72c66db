package io.stopguard.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;

/**
 * One connection to {@code /v2/ws/private}: "ping" → "pong", login (signed like REST over
 * {@code timestamp + "GET" + "/user/verify"}, timestamp in seconds, ±30 s), subscribe to
 * {@code positions} / {@code orders-algo} for USDT-FUTURES, then a snapshot and an update on every
 * change.
 *
 * <p>Bitget's per-connection limits (its WebSocket docs): no "ping" for 30 s closes the connection,
 * and every connection is closed after 24 h (both shorter in drills: {@link Scenario.WebSocketSpec});
 * more than 10 messages (pings included) in a second closes it (1008); more than 240 subscribe
 * requests in an hour are refused (30007 "request over limit", then closed). Error codes as in ccxt
 * pro's table of Bitget's: 30001 channel/instType does not exist, 30003 invalid op, 30004 login
 * required, 30011 invalid ACCESS_KEY, 30012 invalid passphrase, 30013 invalid timestamp, 30014
 * timestamp expired, 30015 invalid sign, 30016 param error; a second login with another key is
 * 30002 "illegal request" (the simulator's choice: Bitget does not document it).
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
  private final long openedAtMs = System.currentTimeMillis();
  private volatile long lastPingMs = openedAtMs;

  /** Closes the connection when it broke a time limit (called by the server's sweep every second). */
  void enforce(long now, Scenario.WebSocketSpec w) {
    Session s = session;
    if (s == null || !s.isOpen()) return;
    if (now - openedAtMs >= w.maxAgeSeconds() * 1000) {
      ex.history().add(ex.now(), "ws-max-age", uid, null, null, null, null, null, ip);
      s.close(1000, "connection lifetime over " + w.maxAgeSeconds() + " s", Callback.NOOP);
    } else if (now - lastPingMs >= w.idleSeconds() * 1000) {
      ex.history().add(ex.now(), "ws-idle", uid, null, null, null, null, null, ip);
      s.close(1000, "no ping for " + w.idleSeconds() + " s", Callback.NOOP);
    }
  }

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
      lastPingMs = System.currentTimeMillis();
      send("pong");
      return;
    }
    JsonNode n;
    try {
      n = json.readTree(text);
    } catch (Exception e) {
      error(30016, "Param error: not JSON");
      return;
    }
    String op = n.path("op").asText("");
    switch (op) {
      case "login" -> login(n.path("args").path(0));
      case "subscribe" -> {
        if (limits.enabled && subscribes.add(System.currentTimeMillis()) > 240) {
          error(30007, "Request over limit: over 240 subscription requests per hour, connection close");
          Session s = session;
          if (s != null) s.close(1008, "over 240 subscriptions per hour", Callback.NOOP);
          return;
        }
        for (JsonNode arg : n.path("args")) subscribe(arg);
      }
      case "unsubscribe" -> {
        for (JsonNode arg : n.path("args")) {
          subscribed.remove(arg.path("channel").asText());
          send(new Shapes.WsEvent("unsubscribe", arg, null, null));
        }
      }
      default -> error(30003, "Invalid op: " + op);
    }
  }

  private void login(JsonNode a) {
    String key = a.path("apiKey").asText("");
    String pass = a.path("passphrase").asText("");
    String ts = a.path("timestamp").asText("");
    String sign = a.path("sign").asText("");
    Account acct = ex.accountByKey(key);
    long t;
    try {
      t = Long.parseLong(ts);
    } catch (NumberFormatException e) {
      error(30013, "Invalid ACCESS_TIMESTAMP");
      return;
    }
    if (Math.abs(ex.now() / 1000 - t) > RestApi.TIMESTAMP_WINDOW_MS / 1000) {
      error(30014, "Request timestamp expired");
      return;
    }
    if (acct == null) {
      error(30011, "Invalid ACCESS_KEY");
      return;
    }
    if (apiKey != null && !apiKey.equals(key)) {
      error(30002, "Illegal request: already logged in with another API key");
      return;
    }
    if (!acct.passphrase.equals(pass)) {
      error(30012, "Invalid ACCESS_PASSPHRASE");
      return;
    }
    if (!MessageDigest.isEqual(hmac(acct.secretKey, ts + "GET" + "/user/verify").getBytes(StandardCharsets.UTF_8),
        sign.getBytes(StandardCharsets.UTF_8))) {
      error(30015, "Invalid sign");
      return;
    }
    Session s = session;
    String from = s != null && s.getRemoteSocketAddress() instanceof InetSocketAddress isa
        ? isa.getAddress().getHostAddress() : null;
    if (!acct.ips.isEmpty() && !acct.ips.contains(from)) {
      error(40018, "Invalid IP"); // as REST answers a key bound to other addresses
      return;
    }
    this.apiKey = key;
    this.uid = acct.uid;
    ex.addListener(this);
    send(new Shapes.WsEvent("login", null, 0, ""));
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
    send(new Shapes.WsEvent("subscribe", arg(channel), null, null));
    push(channel, "snapshot", channel.equals("positions") ? ex.locked(() -> ex.wire.wsPositionsJson(apiKey)) : ex.locked(() -> ex.wire.wsPlansJson(apiKey)));
  }

  @Override
  public void positionsChanged(String uid, String key) {
    if (key.equals(apiKey) && subscribed.contains("positions")) push("positions", "snapshot", ex.locked(() -> ex.wire.wsPositionsJson(key)));
  }

  @Override
  public void planChanged(String uid, String key, Object order) {
    if (!key.equals(apiKey) || !subscribed.contains("orders-algo")) return;
    // Unknown (FIDELITY.md): the changed order as "update", or the live orders as "snapshot".
    if (ex.fidelity().ordersAlgoAction().equals("snapshot")) push("orders-algo", "snapshot", ex.locked(() -> ex.wire.wsPlansJson(key)));
    else push("orders-algo", "update", List.of(order));
  }

  private Shapes.WsArg arg(String channel) {
    return new Shapes.WsArg(instType, channel, "default");
  }

  private void push(String channel, String action, List<?> data) {
    Shapes.WsPush m = new Shapes.WsPush(action, arg(channel), data, ex.now());
    long delay = server.webSocketDelayMs();
    if (delay > 0) server.scheduler().schedule(() -> send(m), delay, TimeUnit.MILLISECONDS);
    else send(m);
  }

  private void error(int code, String msg) {
    send(new Shapes.WsEvent("error", null, code, msg));
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
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
