package io.stopguard.bitget;

import java.net.URI;
import java.net.http.HttpClient;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/**
 * The HTTP client for one Bitget base URL: HTTP/1.1 (Bitget's REST API), with the connect timeout
 * given. For a plain {@code http://} base (the simulator on 127.0.0.1) no TLS is ever spoken, so
 * the client gets a TLS context that trusts nothing instead of the JDK's default one, whose first
 * use reads and parses the whole CA store: a one-off command's first request waited on that for
 * nothing. Should such a client ever be asked for TLS, it fails closed (no certificate is trusted).
 */
public final class HttpClients {
  private HttpClients() {}

  private static final Executor VIRTUAL = task -> Thread.ofVirtual().name("bitget-http").start(task);

  public static HttpClient.Builder forBase(URI base, Duration connectTimeout) {
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(connectTimeout).version(HttpClient.Version.HTTP_1_1);
    if ("http".equalsIgnoreCase(base.getScheme())) b.sslContext(trustingNothing());
    // The client's own tasks (completing a send, reading the body) run on virtual threads instead of
    // its default pool of platform threads: at 256 requests in flight that pool kept handing work
    // between OS threads, and the guard spent 40 % more CPU per request (bench/run --cold).
    b.executor(VIRTUAL);
    return b;
  }

  static SSLContext trustingNothing() {
    try {
      SSLContext c = SSLContext.getInstance("TLS");
      c.init(null, new TrustManager[0], null); // no X509TrustManager: JSSE rejects every certificate
      return c;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("TLS unavailable in this JDK", e);
    }
  }
}
