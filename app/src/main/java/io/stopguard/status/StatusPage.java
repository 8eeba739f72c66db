package io.stopguard.status;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import io.github.bucket4j.Bucket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.time.Clock;
import io.stopguard.guard.Timebase;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The status page on the watcher's status server: {@code /} (positions, bare first; header;
 * incidents), {@code /account?user=ID}, {@code /events} (Server-Sent Events: the rows, header and
 * incidents that changed, as HTML fragments htmx swaps in), {@code /login} and {@code /assets/}.
 * Server-rendered (jte, precompiled): without JavaScript the page shows the current state.
 */
public final class StatusPage implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StatusPage.class);
  /** How often the event stream looks for changes: a change the guard saw is on the page within 1 s. */
  static final long TICK_MS = 300;
  static final long PING_MS = 2000;
  /** Event batches a client may have waiting: one that does not read that far behind is dropped (its page reloads on reconnect). */
  static final int QUEUE = 32;
  /** Event streams at most; more get 503 (each holds a thread and a queue). */
  static final int MAX_STREAMS = 200;
  /**
   * At most this many characters wait for one stream, whatever the batch count: with 10,000 positions
   * and a market moving, one batch can carry the whole first page (bare rows move to the top), and 32
   * of them for each of 200 stalled streams filled a 512 MB heap (bench/status --stalled 300).
   */
  static final long QUEUE_CHARS = 256 * 1024;

  private final StatusModel model;
  private final int queue;
  private final Labels t;
  private final Auth auth;
  private final TemplateEngine engine = TemplateEngine.createPrecompiled(ContentType.Html);
  private final List<Client> clients = new CopyOnWriteArrayList<>();
  /** The page's part of the process's time: the event ticks (and pings) on its clock; closing ends them. */
  private final ScheduledExecutorService ticker;
  private final Clock clock;

  /** @param auth null when the page is open (127.0.0.1 without a token) */
  public StatusPage(StatusModel model, Labels labels, Auth auth, Timebase time) {
    this(model, labels, auth, QUEUE, time);
  }

  /** @param queue event batches a client may have waiting before it is dropped (tests: a few) */
  StatusPage(StatusModel model, Labels labels, Auth auth, int queue, Timebase time) {
    this.ticker = time.scheduler();
    this.clock = time.clock();
    this.queue = queue;
    this.model = model.in(labels); // one language end to end: the model's words too
    this.t = labels;
    this.auth = auth;
    ticker.scheduleWithFixedDelay(this::tick, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
  }

  /** The paths this page serves, for the status server to mount (behind {@link Auth} when there is a token). */
  public Map<String, HttpHandler> handlers() {
    Map<String, HttpHandler> m = new LinkedHashMap<>();
    m.put("/", this::index);
    m.put("/account", this::account);
    m.put("/events", this::events);
    m.put("/assets/", this::asset);
    m.put("/login", this::login);
    m.put("/logout", this::logout);
    return m;
  }

  // ------------------------------------------------------------------ pages

  private void index(HttpExchange ex) throws IOException {
    if (!ex.getRequestURI().getPath().equals("/")) {
      text(ex, 404, "not found: this server has /, /account, /events, /metrics and /health\n");
      return;
    }
    if (!get(ex)) return;
    StatusView.Query q = query(ex);
    StatusView v = model.view(q);
    html(ex, 200, render("status.jte", Map.of("v", v, "t", t, "events", "/events" + q.params(1))));
  }

  private void account(HttpExchange ex) throws IOException {
    if (!get(ex)) return;
    String user = params(ex.getRequestURI().getRawQuery()).get("user");
    var a = user == null ? Optional.<StatusModel.AccountView>empty() : model.account(user);
    if (a.isEmpty()) {
      text(ex, 404, "no account " + (user == null ? "(give ?user=ID)" : user) + " in this store\n");
      return;
    }
    html(ex, 200, render("account.jte", Map.of("a", a.get(), "t", t)));
  }

  private void login(HttpExchange ex) throws IOException {
    if (ex.getRequestMethod().equals("POST") && auth != null) {
      String from = ex.getRemoteAddress().getAddress().getHostAddress();
      if (!loginAttempts.computeIfAbsent(from, a -> newLoginBucket()).estimateAbilityToConsume(1).canBeConsumed()) {
        // guessing: refused before the token is even compared, for a while, with one line per burst
        ex.getResponseHeaders().add("Retry-After", "60");
        text(ex, 429, "too many wrong tokens from this address: wait a minute\n");
        return;
      }
      String body = new String(ex.getRequestBody().readNBytes(4096), StandardCharsets.UTF_8);
      String token = params(body).getOrDefault("token", "");
      if (auth.tokenMatches(token)) {
        ex.getResponseHeaders().add("Set-Cookie", auth.sessionCookie(ex));
        ex.getResponseHeaders().add("Location", "/");
        securityHeaders(ex);
        ex.sendResponseHeaders(303, -1);
        ex.close();
        return;
      }
      Bucket attempts = loginAttempts.computeIfAbsent(from, a -> newLoginBucket());
      attempts.tryConsume(1);
      if (attempts.getAvailableTokens() == 0) {
        log.warn("status page: {} wrong tokens from {} within a minute; its logins are refused for a while", LOGIN_TRIES, from);
      } else {
        log.debug("status page: a login with a wrong token from {}", from);
      }
      if (loginAttempts.size() > 10_000) loginAttempts.clear(); // a flood of addresses: start over rather than grow
      html(ex, 401, render("login.jte", Map.of("t", t, "failed", true)));
      return;
    }
    if (!get(ex)) return;
    html(ex, 200, render("login.jte", Map.of("t", t, "failed", false)));
  }

  /** Drops the session cookie and goes to the login form. */
  private void logout(HttpExchange ex) throws IOException {
    securityHeaders(ex);
    ex.getResponseHeaders().add("Set-Cookie", Auth.noSessionCookie(ex));
    ex.getResponseHeaders().add("Location", auth == null ? "/" : "/login");
    ex.sendResponseHeaders(303, -1);
    ex.close();
  }

  /** Wrong tokens an address may try a minute before its logins are refused (one WARN line per burst, not per try). */
  static final int LOGIN_TRIES = 5;
  private final Map<String, Bucket> loginAttempts = new ConcurrentHashMap<>();

  private static Bucket newLoginBucket() {
    return Bucket.builder()
        .addLimit(limit -> limit.capacity(LOGIN_TRIES).refillGreedy(LOGIN_TRIES, Duration.ofMinutes(1))).build();
  }

  /** Vendored assets: htmx and its SSE extension from their WebJars, the page's own CSS and JS. */
  private void asset(HttpExchange ex) throws IOException {
    if (!get(ex)) return;
    String name = ex.getRequestURI().getPath().substring("/assets/".length());
    String resource = switch (name) {
      case "htmx.min.js" -> "/META-INF/resources/webjars/htmx.org/2.0.4/dist/htmx.min.js";
      case "sse.js" -> "/META-INF/resources/webjars/htmx-ext-sse/2.2.2/sse.js";
      case "status.js" -> "/status/status.js";
      case "status.css" -> "/status/status.css";
      default -> null;
    };
    InputStream in = resource == null ? null : StatusPage.class.getResourceAsStream(resource);
    if (in == null) {
      text(ex, 404, "no such asset\n");
      return;
    }
    byte[] body;
    try (in) {
      body = in.readAllBytes();
    }
    securityHeaders(ex);
    ex.getResponseHeaders().add("Content-Type", name.endsWith(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8");
    ex.getResponseHeaders().add("Cache-Control", "max-age=3600");
    ex.sendResponseHeaders(200, body.length);
    ex.getResponseBody().write(body);
    ex.close();
  }

  // ------------------------------------------------------------------ events

  /** One browser's event stream: its query, what it was last sent, and the queue its handler thread writes from. */
  private static final class Client {
    final StatusView.Query query;
    final BlockingQueue<String> out;
    /** Characters queued in {@link #out} and not yet written. */
    final AtomicLong queued = new AtomicLong();
    volatile HttpExchange exchange;
    Map<String, String> rows = new LinkedHashMap<>();
    String header = "";
    String incidents = "";
    long lastPing;

    Client(StatusView.Query query, int queue) {
      this.query = query;
      this.out = new LinkedBlockingQueue<>(queue);
    }
  }

  private void events(HttpExchange ex) throws IOException {
    if (!get(ex)) return;
    if (clients.size() >= MAX_STREAMS) {
      text(ex, 503, "too many live views (" + MAX_STREAMS + "): close some, or reload later\n");
      return;
    }
    Client c = client(ex);
    securityHeaders(ex);
    ex.getResponseHeaders().add("Content-Type", "text/event-stream; charset=utf-8");
    ex.getResponseHeaders().add("Cache-Control", "no-store");
    ex.sendResponseHeaders(200, 0);
    clients.add(c);
    OutputStream os = ex.getResponseBody();
    try {
      os.write("retry: 1000\n\n".getBytes(StandardCharsets.UTF_8));
      os.flush();
      while (true) {
        String msg = c.out.poll(PING_MS * 3, TimeUnit.MILLISECONDS);
        if (msg == null) continue;
        c.queued.addAndGet(-msg.length());
        os.write(msg.getBytes(StandardCharsets.UTF_8));
        os.flush();
      }
    } catch (IOException | InterruptedException gone) {
      // the browser went away (or the server stops): forget it
    } finally {
      clients.remove(c);
      ex.close();
    }
  }

  /**
   * A new stream's client, with what the page was rendered with (only later changes are sent). Made
   * here, not in {@link #events}: that handler lives as long as its stream, and a frame left among its
   * locals (every row of every account) stayed reachable from each stream's thread — 200 streams opened
   * at different moments held 200 generations of 10,000 rows (bench/status --stalled 300: out of memory).
   */
  private Client client(HttpExchange ex) {
    Client c = new Client(query(ex), queue);
    c.exchange = ex;
    StatusModel.Frame frame = model.frame();
    c.rows = rendered(frame, c.query);
    c.header = render("header.jte", Map.of("h", frame.header(), "t", t));
    c.incidents = render("incidents.jte", Map.of("incidents", model.incidents(c.query), "t", t));
    return c;
  }

  /** Every {@link #TICK_MS}: per client, the rows, header and incidents that changed since it was last sent. */
  private void tick() {
    if (clients.isEmpty()) return;
    try {
      StatusModel.Frame frame = model.frame(); // the header and every client's rows from one moment
      String header = render("header.jte", Map.of("h", frame.header(), "t", t));
      Map<StatusView.Query, Map<String, String>> rowsByQuery = new HashMap<>();
      Map<StatusView.Query, String> incidentsByQuery = new HashMap<>();
      long now = clock.millis();
      for (Client c : clients) {
        Map<String, String> rows = rowsByQuery.computeIfAbsent(c.query, q -> rendered(frame, q));
        String incidents = incidentsByQuery.computeIfAbsent(c.query,
            q -> render("incidents.jte", Map.of("incidents", model.incidents(q), "t", t)));
        StringBuilder sb = new StringBuilder();
        for (var e : rows.entrySet()) {
          String before = c.rows.get(e.getKey());
          if (before == null) sb.append(event("newrow", e.getValue()));
          else if (!before.equals(e.getValue())) sb.append(event(e.getKey(), e.getValue()));
        }
        for (String gone : c.rows.keySet()) {
          if (!rows.containsKey(gone)) sb.append(event(gone, "")); // outerHTML with nothing: the row goes
        }
        if (!header.equals(c.header)) sb.append(event("header", header));
        if (!incidents.equals(c.incidents)) sb.append(event("incidents", incidents));
        if (now - c.lastPing >= PING_MS) {
          sb.append(event("ping", StatusModel.TIME.format(Instant.ofEpochMilli(now))));
          c.lastPing = now;
        }
        c.rows = rows;
        c.header = header;
        c.incidents = incidents;
        if (!sb.isEmpty()) {
          String batch = sb.toString();
          if (c.queued.get() + batch.length() > QUEUE_CHARS || !c.out.offer(batch)) {
            drop(c);
          } else {
            c.queued.addAndGet(batch.length());
          }
        }
      }
    } catch (Throwable e) { // this ticker serves every viewer: it must outlive anything one tick meets
      log.warn("status page: the event stream could not be updated: {}", e.toString());
    }
  }

  /**
   * A client that does not read (a stalled tab, a slowloris) would hold every event in memory: past
   * {@link #QUEUE} batches behind it is closed; its browser reconnects and gets the page afresh.
   */
  private void drop(Client c) {
    clients.remove(c);
    c.out.clear();
    log.info("status page: an event stream {} batches or {} characters behind was closed (a client that does not read)",
        c.out.size(), c.queued.get());
    HttpExchange ex = c.exchange;
    if (ex != null) ex.close();
  }

  /** Live event streams (for tests and the bench). */
  int streams() {
    return clients.size();
  }

  /** The first page of a query's rows, rendered, by event name. */
  private Map<String, String> rendered(StatusModel.Frame frame, StatusView.Query q) {
    Map<String, String> m = new LinkedHashMap<>();
    List<StatusView.Row> rows = frame.rows(q);
    for (StatusView.Row r : rows.subList(0, Math.min(rows.size(), StatusView.Query.PAGE_SIZE))) {
      m.put(r.eventName(), render("row.jte", Map.of("r", r, "t", t)));
    }
    return m;
  }

  /**
   * One Server-Sent Event. Nothing from the exchange or the shared database is trusted as protocol:
   * the name keeps only the characters a row id has, and every line break the SSE grammar knows
   * (CR, LF, CRLF) starts a new data line, so no value can end the event or start another.
   */
  static String event(String name, String html) {
    StringBuilder sb = new StringBuilder("event: ").append(name.replaceAll("[^A-Za-z0-9_-]", "")).append('\n');
    for (String line : html.split("\r\n|\r|\n", -1)) sb.append("data: ").append(line).append('\n');
    return sb.append('\n').toString();
  }

  // ------------------------------------------------------------------ plumbing

  private String render(String template, Map<String, Object> params) {
    StringOutput out = new StringOutput();
    engine.render(template, params, out);
    return out.toString();
  }

  private static StatusView.Query query(HttpExchange ex) {
    Map<String, String> p = params(ex.getRequestURI().getRawQuery());
    int page = 1;
    try {
      page = Integer.parseInt(p.getOrDefault("page", "1"));
    } catch (NumberFormatException ignored) {
      // page 1
    }
    String sort = p.get("sort");
    if (sort != null && !List.of("risk", "user", "symbol", "loss", "distance").contains(sort)) sort = null;
    return new StatusView.Query(blankToNull(p.get("user")), blankToNull(p.get("symbol")), blankToNull(p.get("verdict")), sort, page);
  }

  static Map<String, String> params(String raw) {
    Map<String, String> m = new HashMap<>();
    if (raw == null || raw.isEmpty()) return m;
    for (String part : raw.split("&")) {
      int i = part.indexOf('=');
      if (i <= 0) continue;
      m.put(URLDecoder.decode(part.substring(0, i), StandardCharsets.UTF_8), URLDecoder.decode(part.substring(i + 1), StandardCharsets.UTF_8));
    }
    return m;
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }

  private static boolean get(HttpExchange ex) throws IOException {
    String m = ex.getRequestMethod();
    if (m.equals("GET") || m.equals("HEAD")) return true;
    ex.getResponseHeaders().add("Allow", "GET, HEAD");
    text(ex, 405, "method not allowed: use GET\n");
    return false;
  }

  /** No framing, no inline script or style, no sniffing, no referrer: on every answer. */
  static void securityHeaders(HttpExchange ex) {
    var h = ex.getResponseHeaders();
    h.set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
        + " connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
    h.set("X-Frame-Options", "DENY");
    h.set("X-Content-Type-Options", "nosniff");
    h.set("Referrer-Policy", "no-referrer");
  }

  private static void html(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    securityHeaders(ex);
    ex.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
    ex.getResponseHeaders().add("Cache-Control", "no-store");
    ex.sendResponseHeaders(status, b.length);
    ex.getResponseBody().write(b);
    ex.close();
  }

  private static void text(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    securityHeaders(ex);
    ex.getResponseHeaders().add("Content-Type", "text/plain; charset=utf-8");
    ex.sendResponseHeaders(status, b.length);
    ex.getResponseBody().write(b);
    ex.close();
  }

  @Override
  public void close() {
    ticker.shutdownNow();
  }
}
