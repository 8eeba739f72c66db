package io.stopguard.sim;

import java.math.BigDecimal;
import java.math.MathContext;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * The simulator's server on 127.0.0.1: Bitget's REST API, the private WebSocket at
 * {@code /v2/ws/private}, and the control API under {@code /_sim/}. {@code port 0} picks a free
 * port; {@link #baseUrl()} tells which. Scenario events and mark-price paths run on a scheduler.
 */
public final class SimServer implements AutoCloseable {
  public static final String WS_PATH = "/v2/ws/private";

  private final SimExchange exchange;
  private final Server server;
  private final ServerConnector connector;
  private final Faults faults = new Faults();
  private final RateLimits limits = new RateLimits();
  private final Set<PrivateWebSocket> sockets = ConcurrentHashMap.newKeySet();
  private final AtomicLong restRequests = new AtomicLong();
  private volatile long webSocketDelayMs;
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "bitget-sim-scenario");
    t.setDaemon(true);
    return t;
  });

  private SimServer(SimExchange exchange, String host, int port) {
    this.exchange = exchange;
    QueuedThreadPool pool = new QueuedThreadPool(256, 4);
    pool.setName("bitget-sim");
    pool.setDaemon(true);
    // Handlers may sleep (injected latency): virtual threads keep that cheap.
    pool.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
    this.server = new Server(pool);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false); // Bitget does not say "Jetty"
    http.setSendDateHeader(true);
    this.connector = new ServerConnector(server, new HttpConnectionFactory(http));
    connector.setHost(host);
    connector.setPort(port);
    connector.setAcceptQueueSize(4096);
    server.addConnector(connector);
    RestApi rest = new RestApi(exchange, faults, limits);
    ControlApi control = new ControlApi(exchange, faults, limits, this);
    WebSocketUpgradeHandler ws = WebSocketUpgradeHandler.from(server, container -> {
      container.setIdleTimeout(Duration.ofSeconds(120)); // Bitget drops a connection silent for ~2 min
      container.addMapping(WS_PATH, (rq, rs, cb) -> {
        String ip = Request.getRemoteAddr(rq);
        String refused = limits.admitConnection(ip, System.currentTimeMillis());
        if (refused != null) { // Bitget's per-IP connection limits: the handshake fails (429)
          Response.writeError(rq, rs, cb, 429, refused);
          return null;
        }
        return new PrivateWebSocket(exchange, this, ip, limits);
      });
    });
    ws.setHandler(new RestHandler(rest, control));
    server.setHandler(ws);
    server.setStopTimeout(0); // close open keep-alive connections at once
  }

  /** Starts a simulator on 127.0.0.1:{@code port}. */
  public static SimServer start(SimExchange exchange, int port) {
    SimServer s = new SimServer(exchange, "127.0.0.1", port);
    try {
      s.server.start();
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the simulator on 127.0.0.1:" + port + ": " + e.getMessage(), e);
    }
    return s;
  }

  /** Starts a simulator for a scenario, and schedules its events and mark-price paths. */
  public static SimServer start(Scenario scenario, int port) {
    SimServer s = start(SimExchange.fromScenario(scenario), port);
    s.schedule(scenario);
    return s;
  }

  public SimExchange exchange() {
    return exchange;
  }

  public Faults faults() {
    return faults;
  }

  /** Switch Bitget's rate limits off (benchmarks with many requests per UID) or on (default). */
  public void rateLimits(boolean enabled) {
    limits.enabled = enabled;
  }

  /** Requests and WebSocket handshakes refused so far for one of Bitget's rate or connection limits. */
  public long rateLimited() {
    return limits.refused.get();
  }

  /** REST requests answered so far (benchmarks: calls per account). */
  public long restRequests() {
    return restRequests.get();
  }

  /** Delays every WebSocket push by this much (one-way network latency for benchmarks and drills). */
  public void webSocketDelay(long ms) {
    this.webSocketDelayMs = ms;
  }

  long webSocketDelayMs() {
    return webSocketDelayMs;
  }

  ScheduledExecutorService scheduler() {
    return scheduler;
  }

  public int port() {
    return connector.getLocalPort();
  }

  public URI baseUrl() {
    return URI.create("http://127.0.0.1:" + port());
  }

  /** The private WebSocket's URL, Bitget's path on this host. */
  public URI webSocketUrl() {
    return URI.create("ws://127.0.0.1:" + port() + WS_PATH);
  }

  /** Private WebSocket connections open now (of one uid, or all when null). */
  public int webSockets(String uid) {
    return (int) List.copyOf(sockets).stream().filter(s -> uid == null || uid.equals(s.uid())).count();
  }

  /** Drops WebSocket connections (of one uid, or all when null), as a network fault would. */
  public int dropWebSockets(String uid) {
    int n = 0;
    for (PrivateWebSocket s : List.copyOf(sockets)) {
      if (uid == null || uid.equals(s.uid())) {
        s.drop();
        n++;
      }
    }
    return n;
  }

  void opened(PrivateWebSocket s) {
    sockets.add(s);
    startSweep();
  }

  private final AtomicBoolean sweeping = new AtomicBoolean();

  /** Once per second: close connections silent (no "ping") too long, or open longer than Bitget allows. */
  private void startSweep() {
    if (!sweeping.compareAndSet(false, true)) return;
    scheduler.scheduleAtFixedRate(() -> {
      long now = System.currentTimeMillis();
      Scenario.WebSocketSpec w = exchange.webSocketLimits();
      for (PrivateWebSocket s : List.copyOf(sockets)) {
        try {
          s.enforce(now, w);
        } catch (RuntimeException e) {
          // a closing session: the next sweep sees it gone
        }
      }
    }, 1, 1, TimeUnit.SECONDS);
  }

  void closed(PrivateWebSocket s) {
    sockets.remove(s);
  }

  private void schedule(Scenario scenario) {
    for (Scenario.EventSpec e : scenario.events()) {
      scheduler.schedule(() -> runEvent(e), e.atMillis(), TimeUnit.MILLISECONDS);
    }
    for (Scenario.MarkPathSpec p : scenario.markPaths()) {
      long interval = p.intervalMs() == null ? 1000 : p.intervalMs();
      Random random = new Random(p.seed() == null ? 42 : p.seed());
      AtomicInteger step = new AtomicInteger();
      scheduler.scheduleAtFixedRate(() -> {
        try {
          BigDecimal next;
          if ("script".equalsIgnoreCase(p.mode())) {
            int i = step.getAndIncrement();
            if (p.prices() == null || i >= p.prices().size()) return;
            next = p.prices().get(i);
          } else {
            BigDecimal pct = p.stepPercent() == null ? new BigDecimal("0.1") : p.stepPercent();
            double move = (random.nextDouble() * 2 - 1) * pct.doubleValue() / 100; // noise, not money
            next = exchange.markPrice(p.symbol()).multiply(BigDecimal.ONE.add(BigDecimal.valueOf(move)), MathContext.DECIMAL64);
          }
          exchange.setMarkPrice(p.symbol(), next);
        } catch (RuntimeException ex) {
          // a bad path must not kill the scheduler
        }
      }, interval, interval, TimeUnit.MILLISECONDS);
    }
  }

  private void runEvent(Scenario.EventSpec e) {
    try {
      switch (e.action().toLowerCase(Locale.ROOT)) {
        case "cancel-stop" -> exchange.cancelStopsFromOutside(e.uid(), e.symbol(), e.holdSide());
        case "close-position" -> exchange.closePosition(e.uid(), e.symbol(), e.holdSide());
        case "mark" -> exchange.setMarkPrice(e.symbol(), e.price());
        case "drop-websocket" -> dropWebSockets(e.uid());
        default -> { }
      }
    } catch (RuntimeException ex) {
      // logged by the caller's drill; the scheduler keeps running
    }
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException("cannot stop the simulator", e);
    }
  }

  private final class RestHandler extends Handler.Abstract {
    private final RestApi api;
    private final ControlApi control;

    RestHandler(RestApi api, ControlApi control) {
      this.api = api;
      this.control = control;
    }

    SimServer server() {
      return SimServer.this;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      String body = Content.Source.asString(request, StandardCharsets.UTF_8);
      String path = request.getHttpURI().getPath();
      String method = request.getMethod().toUpperCase(Locale.ROOT);
      RestApi.Reply r;
      if (!path.startsWith("/_sim/")) server().restRequests.incrementAndGet();
      if (path.startsWith("/_sim/")) {
        r = control.handle(method, path, body);
      } else {
        Map<String, String> headers = new HashMap<>();
        for (HttpField f : request.getHeaders()) headers.put(f.getLowerCaseName(), f.getValue());
        String ip = Request.getRemoteAddr(request);
        r = api.handle(method, path, request.getHttpURI().getQuery(), headers, body, ip);
      }
      response.setStatus(r.status());
      response.getHeaders().put(HttpHeader.CONTENT_TYPE,
          r.body().startsWith("<") ? "text/html" : "application/json");
      Content.Sink.write(response, true, r.body(), callback);
      return true;
    }
  }

}
