package io.stopguard.bitget;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bitget's private WebSocket for one account: login, {@code positions} and {@code orders-algo}
 * for USDT-FUTURES, "ping" keep-alive, reconnect with jittered back-off and resubscribe. It tells
 * its listener when it is live again after a gap, with since when it was blind, so the caller can
 * reconcile over REST: pushes missed while disconnected are never replayed by Bitget.
 */
public final class BitgetWebSocket implements AutoCloseable {
  public static final URI DEFAULT_URL = URI.create("wss://ws.bitget.com/v2/ws/private");
  public static final URI DEMO_URL = URI.create("wss://wspap.bitget.com/v2/ws/private");
  /** Bitget closes a connection without "ping" for 30 s (its WebSocket docs): every 20 s leaves a margin. */
  public static final Duration PING_INTERVAL = Duration.ofSeconds(20);
  private static final Logger log = LoggerFactory.getLogger(BitgetWebSocket.class);

  /** What the connection reports. Called on the connection's threads; must not block for long. */
  public interface Listener {
    /** Subscribed to both channels. {@code blindSince}: since when pushes may have been missed (first connect: start time). */
    void onLive(Instant blindSince);

    void onPositions(List<Position> positions);

    void onPlanOrders(List<PlanOrder> orders);

    /** A connection attempt failed or a live connection dropped; pushes are missed until the next {@link #onLive}. */
    default void onDown(String reason) {}
  }

  private final URI url;
  private final Credentials credentials;
  private final boolean demo;
  private final Listener listener;
  private final HttpClient http;
  private final LongSupplier clock;
  private final Duration pingInterval;
  private final ScheduledExecutorService timer;
  private final IpBudget budget;
  private final Object lock = new Object();

  private volatile boolean closed;
  private WebSocket ws;
  private ScheduledFuture<?> pinger;
  private Instant blindSince = Instant.now();
  private volatile long lastMessageMs;
  private int failures;
  private int subscribedAcks;
  private volatile String state = "connecting";
  /** Each connection attempt has a generation; a stale attempt's close or error is ignored. */
  private int generation;

  /**
   * @param budget the process's per-IP budget: every connection attempt, reconnects included, takes
   *     one of its connect tokens (Bitget: 300 per IP per 5 minutes) and waits when there is none
   */
  public BitgetWebSocket(URI url, Credentials credentials, boolean demo, Listener listener, HttpClient http,
      LongSupplier clockWithOffset, Duration pingInterval, ScheduledExecutorService timer, IpBudget budget) {
    this.budget = budget;
    this.url = url;
    this.credentials = credentials;
    this.demo = demo;
    this.listener = listener;
    this.http = http;
    this.clock = clockWithOffset;
    this.pingInterval = pingInterval;
    this.timer = timer;
  }

  /** waiting (for a connect token of the IP budget), connecting, login, subscribing, live, down or closed. */
  public String state() {
    return state;
  }

  public void start() {
    connect();
  }

  private void connect() {
    if (closed) return;
    long wait = budget.tryConnect();
    if (wait > 0) { // over the IP's connect rate: a rejected handshake would cost a token too
      state = "waiting";
      timer.schedule(this::connect, wait / 1_000_000 + 1 + ThreadLocalRandom.current().nextLong(250), TimeUnit.MILLISECONDS);
      return;
    }
    state = "connecting";
    int gen;
    synchronized (lock) {
      gen = ++generation;
    }
    http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10)).buildAsync(url, new Handler(gen))
        .whenComplete((socket, err) -> {
          if (err != null) {
            down(gen, "connect failed: " + rootMessage(err));
            return;
          }
          synchronized (lock) {
            ws = socket;
            sendChain = CompletableFuture.completedFuture(null);
            lastMessageMs = System.currentTimeMillis();
            subscribedAcks = 0;
          }
          state = "login";
          String ts = Long.toString((clock.getAsLong()) / 1000);
          send("{\"op\":\"login\",\"args\":[{\"apiKey\":" + quote(credentials.apiKey()) + ",\"passphrase\":"
              + quote(credentials.passphrase()) + ",\"timestamp\":\"" + ts + "\",\"sign\":"
              + quote(Signer.signWebSocketLogin(credentials.secret(), ts)) + "}]}");
          synchronized (lock) {
            if (pinger != null) pinger.cancel(false);
            pinger = timer.scheduleAtFixedRate(this::keepAlive, pingInterval.toMillis(), pingInterval.toMillis(),
                TimeUnit.MILLISECONDS);
          }
        });
  }

  private void keepAlive() {
    if (System.currentTimeMillis() - lastMessageMs > 2 * pingInterval.toMillis() + 5_000) {
      abortCurrent("no pong for " + (2 * pingInterval.toSeconds()) + " s");
      return;
    }
    send("ping");
  }

  /** Drops the connection of this moment (its generation) as down: the reconnect follows as for any loss. */
  private void abortCurrent(String reason) {
    WebSocket s;
    int gen;
    synchronized (lock) {
      s = ws;
      gen = generation;
    }
    if (s != null) s.abort();
    down(gen, reason);
  }

  private void onMessage(String text) {
    lastMessageMs = System.currentTimeMillis();
    if (text.equals("pong")) return;
    JsonNode n;
    try {
      n = Transport.JSON.readTree(text);
    } catch (Exception e) {
      log.warn("unparseable WebSocket message ({} chars)", text.length());
      return;
    }
    String event = n.path("event").asText("");
    if (event.equals("login")) {
      if (n.path("code").asInt(-1) == 0) {
        state = "subscribing";
        String instType = ProductType.USDT_FUTURES.wire(demo);
        send("{\"op\":\"subscribe\",\"args\":[{\"instType\":\"" + instType + "\",\"channel\":\"positions\",\"instId\":\"default\"},"
            + "{\"instType\":\"" + instType + "\",\"channel\":\"orders-algo\",\"instId\":\"default\"}]}");
      }
      return;
    }
    if (event.equals("error")) {
      log.warn("Bitget WebSocket error {}: {}", n.path("code").asText(), n.path("msg").asText());
      abortCurrent("error " + n.path("code").asText() + ": " + n.path("msg").asText());
      return;
    }
    if (event.equals("subscribe")) {
      Instant since = null;
      synchronized (lock) {
        if (++subscribedAcks == 2) {
          since = blindSince;
          blindSince = null;
          failures = 0;
        }
      }
      if (since != null) {
        state = "live";
        listener.onLive(since);
      }
      return;
    }
    String channel = n.path("arg").path("channel").asText("");
    JsonNode data = n.path("data");
    if (channel.equals("positions")) listener.onPositions(parsePositions(data));
    else if (channel.equals("orders-algo")) listener.onPlanOrders(parsePlans(data));
  }

  private void down(int gen, String reason) {
    synchronized (lock) {
      if (gen != generation) return; // this attempt was already handled
      generation++; // later events of this attempt are stale
      if (blindSince == null) blindSince = Instant.now(); // blind from the first failure, until live again
      if (pinger != null) pinger.cancel(false);
      ws = null;
      failures++;
    }
    state = closed ? "closed" : "down";
    if (closed) return;
    listener.onDown(reason);
    long base = Math.min(30_000, 250L << Math.min(failures, 7));
    long delay = base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
    log.debug("WebSocket down ({}), reconnecting in {} ms", reason, delay);
    timer.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
  }

  /** The tail of this connection's send chain: the JDK WebSocket allows one outstanding send at a time. */
  private CompletableFuture<?> sendChain = CompletableFuture.completedFuture(null);

  /** Queues a text frame without blocking the caller (timer threads send pings for many accounts). */
  private void send(String text) {
    synchronized (lock) {
      WebSocket s = ws;
      if (s == null) return;
      sendChain = sendChain.handle((v, e) -> null)
          .thenCompose(v -> s.sendText(text, true))
          .orTimeout(10, TimeUnit.SECONDS)
          .exceptionally(e -> {
            s.abort(); // a stuck or broken connection: onError/onClose will reconnect
            return null;
          });
    }
  }

  /** {@code positions} push data in the REST value type (no mark price in pushes). */
  static List<Position> parsePositions(JsonNode data) {
    List<Position> out = new ArrayList<>();
    for (JsonNode p : data) {
      out.add(new Position(p.path("instId").asText(), p.path("marginCoin").asText(), HoldSide.parse(p.path("holdSide").asText()),
          p.hasNonNull("posMode") ? PosMode.parse(p.path("posMode").asText()) : null, p.path("marginMode").asText(),
          dec(p, "total"), dec(p, "available"), dec(p, "openPriceAvg"), null, dec(p, "liquidationPrice"),
          dec(p, "leverage"), dec(p, "unrealizedPL"), p.path("cTime").asText(), p.path("uTime").asText()));
    }
    return out;
  }

  /** {@code orders-algo} push data in the REST value type; {@code planStatus} carries the push's status. */
  static List<PlanOrder> parsePlans(JsonNode data) {
    List<PlanOrder> out = new ArrayList<>();
    for (JsonNode o : data) {
      out.add(new PlanOrder(o.path("orderId").asText(), o.path("clientOid").asText(), o.path("instId").asText(),
          wsPlanType(o.path("planType").asText()), dec(o, "size"), dec(o, "triggerPrice"), o.path("triggerType").asText(),
          dec(o, "executePrice"), o.path("status").asText(), o.path("side").asText(), o.path("posSide").asText(),
          o.hasNonNull("posMode") ? PosMode.parse(o.path("posMode").asText()) : null, o.path("tradeSide").asText(),
          o.path("orderType").asText(), o.path("cTime").asText(), o.path("uTime").asText()));
    }
    return out;
  }

  /**
   * orders-algo's short planType codes. Bitget documents "pl" and names tp/ptp; psl/sl/track are the
   * simulator's reading (see bitget-sim/README.md). REST names are accepted too.
   */
  static PlanType wsPlanType(String code) {
    return switch (code.toLowerCase(Locale.ROOT)) {
      case "psl" -> PlanType.POS_LOSS;
      case "ptp" -> PlanType.POS_PROFIT;
      case "sl" -> PlanType.LOSS_PLAN;
      case "tp" -> PlanType.PROFIT_PLAN;
      case "track", "moving_plan" -> PlanType.MOVING_PLAN;
      case "pl" -> PlanType.NORMAL_PLAN;
      default -> PlanType.parse(code);
    };
  }

  private static BigDecimal dec(JsonNode n, String field) {
    String s = n.path(field).asText("");
    return s.isEmpty() ? null : new BigDecimal(s);
  }

  private static String quote(String s) {
    return Transport.JSON.getNodeFactory().textNode(s).toString();
  }

  private static String rootMessage(Throwable t) {
    while (t.getCause() != null) t = t.getCause();
    return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
  }

  @Override
  public void close() {
    closed = true;
    state = "closed";
    WebSocket s;
    synchronized (lock) {
      s = ws;
      if (pinger != null) pinger.cancel(false);
    }
    if (s != null) s.sendClose(WebSocket.NORMAL_CLOSURE, "bye").exceptionally(e -> null);
  }

  private final class Handler implements WebSocket.Listener {
    private final StringBuilder partial = new StringBuilder();
    private final int gen;

    Handler(int gen) {
      this.gen = gen;
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        String text = partial.toString();
        partial.setLength(0);
        try {
          onMessage(text);
        } catch (RuntimeException e) {
          log.warn("WebSocket listener failed: {}", e.toString());
        }
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      down(gen, "closed by server (" + statusCode + (reason == null || reason.isEmpty() ? "" : " " + reason) + ")");
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      down(gen, "error: " + rootMessage(error));
    }
  }
}
