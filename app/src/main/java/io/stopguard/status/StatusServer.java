package io.stopguard.status;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code /metrics} (Prometheus text format, client_java's writer) and {@code /health} (JSON) for the watcher. */
public final class StatusServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StatusServer.class);
  private final HttpServer server;
  private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public StatusServer(InetSocketAddress address, PrometheusRegistry registry, Supplier<Health> health) {
    this(address, registry, health, Map.of(), null, null);
  }

  /**
   * @param health what /health answers (built per request: figures first, as with 10,000 accounts nobody reads the list)
   * @param pages more paths to serve (the status page: "/" and its parts)
   * @param auth when not null, in front of every path, /metrics and /health included
   * @param tls when not null, HTTPS only (the token and the session cookie never cross the network in clear)
   */
  public StatusServer(InetSocketAddress address, PrometheusRegistry registry, Supplier<Health> health,
      Map<String, HttpHandler> pages, Filter auth, SSLContext tls) {
    try {
      if (tls == null) {
        server = HttpServer.create(address, 64);
      } else {
        HttpsServer https = HttpsServer.create(address, 64);
        https.setHttpsConfigurator(new HttpsConfigurator(tls));
        server = https;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on " + address.getHostString() + ":" + address.getPort() + ": "
          + e.getMessage(), e);
    }
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    List<HttpContext> contexts = new ArrayList<>();
    if (!pages.containsKey("/")) {
      contexts.add(server.createContext("/", ex -> reply(ex, 404, "text/plain; charset=utf-8",
          "not found: this server has /metrics and /health\n".getBytes(StandardCharsets.UTF_8))));
    }
    pages.forEach((path, handler) -> contexts.add(server.createContext(path, handler)));
    contexts.add(server.createContext("/metrics", ex -> {
      if (!exactGet(ex, "/metrics")) return;
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      writer.write(out, registry.scrape());
      reply(ex, 200, PrometheusTextFormatWriter.CONTENT_TYPE, out.toByteArray());
    }));
    contexts.add(server.createContext("/health", ex -> {
      if (!exactGet(ex, "/health")) return;
      byte[] body;
      try {
        body = json.writeValueAsBytes(health.get());
      } catch (RuntimeException | IOException e) { // a probe must see the failure, not a closed connection
        log.warn("/health could not be built: {}", e.toString(), e);
        reply(ex, 500, "text/plain; charset=utf-8", ("health unknown: " + e + "\n").getBytes(StandardCharsets.UTF_8));
        return;
      }
      reply(ex, 200, "application/json", body);
    }));
    // On loopback, DNS rebinding is the way in: a page the operator visits rebinds its own name to
    // 127.0.0.1 and reads everything. Only the loopback names are served there.
    if (address.getAddress() != null && address.getAddress().isLoopbackAddress()) {
      contexts.forEach(c -> c.getFilters().add(LOOPBACK_HOSTS));
    }
    if (auth != null) contexts.forEach(c -> c.getFilters().add(auth));
    server.start();
  }

  /** 421 for a Host header that is not a loopback name (127.0.0.1, localhost, [::1], with any port). */
  static final Filter LOOPBACK_HOSTS = new Filter() {
    @Override
    public void doFilter(HttpExchange ex, Chain chain) throws IOException {
      String host = ex.getRequestHeaders().getFirst("Host");
      if (host == null || loopbackName(host)) {
        chain.doFilter(ex);
        return;
      }
      reply(ex, 421, "text/plain; charset=utf-8", ("misdirected request: this server answers to 127.0.0.1, localhost or [::1]"
          + " only (a name that resolves here is not enough: DNS rebinding)\n").getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String description() {
      return "loopback Host names only";
    }
  };

  static boolean loopbackName(String hostHeader) {
    String h = hostHeader.strip().toLowerCase(Locale.ROOT);
    h = h.startsWith("[") ? h.substring(0, h.indexOf(']') + 1) : h.contains(":") ? h.substring(0, h.indexOf(':')) : h;
    return h.equals("127.0.0.1") || h.equals("localhost") || h.equals("[::1]");
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /**
   * The JDK's server routes by prefix and any method: only the exact path with GET (or HEAD) gets an
   * answer; {@code /healthz} is 404 and {@code POST /metrics} 405, as a scraper or a probe expects.
   */
  private static boolean exactGet(HttpExchange ex, String path) throws IOException {
    if (!ex.getRequestURI().getPath().equals(path)) {
      reply(ex, 404, "text/plain; charset=utf-8", ("not found: " + path + " is served at exactly that path\n")
          .getBytes(StandardCharsets.UTF_8));
      return false;
    }
    String m = ex.getRequestMethod();
    if (!m.equals("GET") && !m.equals("HEAD")) {
      ex.getResponseHeaders().add("Allow", "GET, HEAD");
      reply(ex, 405, "text/plain; charset=utf-8", "method not allowed: use GET\n".getBytes(StandardCharsets.UTF_8));
      return false;
    }
    return true;
  }

  private static void reply(HttpExchange ex, int status, String type, byte[] body) throws IOException {
    ex.getResponseHeaders().add("Content-Type", type);
    ex.sendResponseHeaders(status, body.length);
    ex.getResponseBody().write(body);
    ex.close();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
