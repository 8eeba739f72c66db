package io.stopguard.cli;

import io.stopguard.status.Auth;
import io.stopguard.status.Tls;
import io.stopguard.watch.WatchProcess;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import picocli.CommandLine.Option;

/** The status server's options (where, who may read it, TLS), checked together: a page beyond loopback needs a token. */
final class ServeOptions {
  @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:9464",
      description = "Where /metrics and /health are served (default: ${DEFAULT-VALUE}; port 0 picks one).")
  String listen;

  @Option(names = "--auth-token-file", paramLabel = "FILE",
      description = {"A token (first line, >= 16 characters) every request to the status server needs: the page, /events,",
          "/metrics and /health (Authorization: Bearer, or the page's login form). Required when --listen is not",
          "127.0.0.1. Default: $STOPGUARD_AUTH_TOKEN_FILE."})
  String authTokenFile;

  @Option(names = "--tls-cert", paramLabel = "FILE",
      description = {"Serve the status server over HTTPS with this PEM certificate chain (leaf first), with --tls-key.",
          "Beyond 127.0.0.1 without it, the token crosses the network in clear: use it, or a TLS reverse proxy",
          "(docs/SECURITY.md). Default: $STOPGUARD_TLS_CERT."})
  String tlsCert;

  @Option(names = "--tls-key", paramLabel = "FILE",
      description = "The certificate's unencrypted PEM private key (owner-only). Default: $STOPGUARD_TLS_KEY.")
  String tlsKey;

  /** The options as the watch process takes them; usage errors first, then the page's language. */
  WatchProcess.Serving serving(Cli cli, Supplier<String> language) {
    InetSocketAddress address = parseListen(listen);
    String tokenFile = authTokenFile != null ? authTokenFile : cli.env("STOPGUARD_AUTH_TOKEN_FILE");
    if (tokenFile != null) HomeOptions.ownerOnly(cli, Path.of(tokenFile));
    SSLContext tls = tls(cli);
    Auth auth;
    try {
      auth = tokenFile == null ? null : Auth.fromFile(Path.of(tokenFile));
    } catch (IllegalArgumentException e) {
      throw new UsageException("--auth-token-file: " + e.getMessage());
    }
    if (auth == null && !address.getAddress().isLoopbackAddress()) {
      throw new UsageException("--listen " + listen + " is reachable from other hosts, and the status page shows every position:"
          + " give a token with --auth-token-file FILE (or STOPGUARD_AUTH_TOKEN_FILE), or listen on 127.0.0.1");
    }
    if (tls == null && !address.getAddress().isLoopbackAddress()) {
      cli.err().println("stopguard watch: warning: --listen " + listen + " serves plain HTTP: the token and the session cookie"
          + " cross the network in clear. Give --tls-cert and --tls-key, or put a TLS reverse proxy in front (docs/SECURITY.md)");
    }
    return new WatchProcess.Serving(address, auth, tls, language.get());
  }

  /** The status server's TLS from --tls-cert/--tls-key (both or neither), or null for plain HTTP. */
  private SSLContext tls(Cli cli) {
    String cert = tlsCert != null ? tlsCert : cli.env("STOPGUARD_TLS_CERT");
    String key = tlsKey != null ? tlsKey : cli.env("STOPGUARD_TLS_KEY");
    if (cert == null && key == null) return null;
    if (cert == null || key == null) {
      throw new UsageException("--tls-cert and --tls-key go together (the certificate chain and its private key, PEM)");
    }
    HomeOptions.ownerOnly(cli, Path.of(key));
    try {
      return Tls.fromPem(Path.of(cert), Path.of(key));
    } catch (IllegalArgumentException e) {
      throw new UsageException("--tls-cert/--tls-key: " + e.getMessage());
    }
  }

  static InetSocketAddress parseListen(String s) {
    int i = s.lastIndexOf(':');
    if (i <= 0) throw new UsageException("--listen must be HOST:PORT, e.g. 127.0.0.1:9464");
    try {
      int port = Integer.parseInt(s.substring(i + 1));
      if (port < 0 || port > 65535) throw new NumberFormatException();
      return new InetSocketAddress(s.substring(0, i), port);
    } catch (NumberFormatException e) {
      throw new UsageException("--listen port must be 0..65535: " + s);
    }
  }
}
