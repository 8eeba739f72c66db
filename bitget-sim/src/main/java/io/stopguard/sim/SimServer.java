package io.stopguard.sim;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The simulator's HTTP server on 127.0.0.1. {@code port 0} picks a free port; {@link #baseUrl()}
 * tells which. Close it to stop.
 */
public final class SimServer implements AutoCloseable {
  private final SimExchange exchange;
  private final Server server;
  private final ServerConnector connector;

  private SimServer(SimExchange exchange, String host, int port) {
    this.exchange = exchange;
    QueuedThreadPool pool = new QueuedThreadPool(64, 4);
    pool.setName("bitget-sim");
    pool.setDaemon(true);
    this.server = new Server(pool);
    this.connector = new ServerConnector(server);
    connector.setHost(host);
    connector.setPort(port);
    server.addConnector(connector);
    server.setHandler(new RestHandler(new RestApi(exchange)));
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

  public SimExchange exchange() {
    return exchange;
  }

  public int port() {
    return connector.getLocalPort();
  }

  public URI baseUrl() {
    return URI.create("http://127.0.0.1:" + port());
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException("cannot stop the simulator", e);
    }
  }

  private static final class RestHandler extends Handler.Abstract.NonBlocking {
    private final RestApi api;

    RestHandler(RestApi api) {
      this.api = api;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      Content.Source.asString(request, StandardCharsets.UTF_8, new org.eclipse.jetty.util.Promise<>() {
        @Override
        public void succeeded(String body) {
          Map<String, String> headers = new HashMap<>();
          for (HttpField f : request.getHeaders()) headers.put(f.getLowerCaseName(), f.getValue());
          RestApi.Reply r = api.handle(request.getMethod().toUpperCase(Locale.ROOT),
              request.getHttpURI().getPath(), request.getHttpURI().getQuery(), headers, body);
          response.setStatus(r.status());
          response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
          Content.Sink.write(response, true, r.body(), callback);
        }

        @Override
        public void failed(Throwable x) {
          Response.writeError(request, response, callback, x);
        }
      });
      return true;
    }
  }
}
