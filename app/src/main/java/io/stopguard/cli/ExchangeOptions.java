package io.stopguard.cli;

import io.stopguard.sim.SimServer;
import io.stopguard.bitget.BitgetWebSocket;
import io.stopguard.bitget.IpBudget;
import io.stopguard.check.StopLossCheck;
import io.stopguard.guard.OneOffMarker;
import io.stopguard.guard.WatchLock;
import io.stopguard.guard.WatchSettings;
import io.stopguard.risk.Policy;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** How to reach Bitget: endpoint and timeout, shared by every command that talks to the exchange. */
public final class ExchangeOptions {
  @Option(names = "--base-url", paramLabel = "URL",
      description = "Bitget endpoint. Default: $STOPGUARD_BITGET_BASE_URL, else https://api.bitget.com.")
  String baseUrl;

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "10",
      description = "Per-request timeout in seconds (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  /** Every check this command made; {@link Main} closes them when the command ends ({@link StopLossCheck#close}). */
  private final List<StopLossCheck> made = new ArrayList<>();

  private StopLossCheck keep(StopLossCheck c) {
    synchronized (made) {
      made.add(c);
    }
    return c;
  }

  void closeAll() {
    synchronized (made) {
      made.forEach(StopLossCheck::close);
      made.clear();
    }
    if (marker != null) {
      marker.close();
      marker = null;
    }
  }

  URI baseUrl(Cli cli) {
    return HomeOptions.bitgetBaseUrl(cli, baseUrl);
  }

  Duration timeout() {
    if (timeoutSeconds < 1 || timeoutSeconds > 300) throw new UsageException("--timeout must be 1..300 seconds");
    return Duration.ofSeconds(timeoutSeconds);
  }

  /** Requests a minute left to one-off commands while a watcher runs on the same home (and IP): it yields them. */
  static final int SHARE_BESIDE_WATCH_PER_MINUTE = WatchSettings.ONE_OFF_SHARE_PER_MINUTE;

  /**
   * A check for a one-off command: Bitget's whole per-IP budget, or, while a watcher runs in this
   * home (and so most likely behind the same IP), the share the watcher leaves free.
   */
  StopLossCheck check(Cli cli, HomeOptions home, Policy policy) {
    boolean besideWatcher = WatchLock.anyHeld(home.home(cli));
    // Beside a watcher: say so for as long as this command runs, so the watcher yields our share.
    if (besideWatcher && !watcher && marker == null && !markerTried) {
      markerTried = true;
      marker = OneOffMarker.hold(home.home(cli));
      if (marker == null) { // never silent: the watcher will not yield, so this command may wait on the IP's limit
        cli.err().println("stopguard: warning: could not write " + home.home(cli).resolve("run/oneoff.lock")
            + ": the watcher running in this home will not yield its share of Bitget's per-IP limit to this command");
      }
    }
    return keep(new StopLossCheck(baseUrl(cli), timeout(), 32, policy, oneOffBudget(besideWatcher), sourceAddress(cli)));
  }

  /** {@code STOPGUARD_SOURCE_IP}, trimmed, or null: one-off commands leave from it as {@code watch} does. */
  static String sourceIp(Cli cli) {
    String s = cli.env("STOPGUARD_SOURCE_IP");
    return s == null || s.isBlank() ? null : s.trim();
  }

  /** {@link #sourceIp} as an address of this host (refused at once if it is not one), or null. */
  static InetAddress sourceAddress(Cli cli) {
    return sourceAddress(sourceIp(cli), "STOPGUARD_SOURCE_IP=");
  }

  /** {@code s} (trimmed, or null) as an address of this host, refused at once if it is not one; {@code what} names it in the error. */
  static InetAddress sourceAddress(String s, String what) {
    if (s == null) return null;
    try {
      InetAddress a = InetAddress.getByName(s);
      try (Socket probe = new Socket()) {
        probe.bind(new InetSocketAddress(a, 0)); // an address this host does not have fails here, not at the first request
      }
      return a;
    } catch (IOException e) {
      throw new UsageException(what + s + " is not an address of this host: " + e.getMessage());
    }
  }

  private OneOffMarker marker;
  private boolean markerTried;
  /** Set by `watch`: its own checks are not one-off commands beside a watcher. */
  private boolean watcher;

  void forWatcher() {
    watcher = true;
  }

  static IpBudget oneOffBudget(boolean besideWatcher) {
    return besideWatcher
        ? IpBudget.of(SHARE_BESIDE_WATCH_PER_MINUTE / 60.0, 0, IpBudget.PUBLISHED_CONNECTS_PER_5_MIN)
        : IpBudget.shared();
  }

  /** A check whose clients share {@code budget} (the watcher's per-IP limits). */
  StopLossCheck check(Cli cli, Policy policy, IpBudget budget) {
    return check(cli, policy, budget, null);
  }

  /** The same, every connection leaving from {@code localAddress} (an egress IP; null: the system's choice). */
  StopLossCheck check(Cli cli, Policy policy, IpBudget budget, InetAddress localAddress) {
    return keep(new StopLossCheck(baseUrl(cli), timeout(), 32, policy, budget, localAddress));
  }

  /** Bitget's WebSocket host for Bitget's REST host; the simulator serves both on one port. */
  static URI webSocketUrl(URI restBase, String override) {
    if (override != null) return URI.create(override);
    if (restBase.getHost().endsWith("bitget.com")) return BitgetWebSocket.DEFAULT_URL;
    String scheme = "https".equals(restBase.getScheme()) ? "wss" : "ws";
    return URI.create(scheme + "://" + restBase.getHost() + (restBase.getPort() > 0 ? ":" + restBase.getPort() : "")
        + SimServer.WS_PATH);
  }
}
