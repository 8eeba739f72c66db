package io.stopguard.guard;

import io.stopguard.alert.Alerting;
import io.stopguard.check.CheckService;
import io.stopguard.check.StopLossCheck;
import io.stopguard.metrics.StopguardMetrics;
import io.stopguard.risk.Policy;
import io.stopguard.store.Store;
import java.net.URI;

/** Names what a {@link Watcher} is built with: the process, the demo, the benchmarks and the tests build it the same way. */
public final class WatcherBuilder {
  private final Store store;
  private final StopLossCheck check;
  private final CheckService service;
  private Policy policy = Policy.DEFAULT;
  private Alerting alerting = Alerting.none();
  private StopguardMetrics metrics = new StopguardMetrics();
  private WatchSettings settings = WatchSettings.DEFAULT;
  private URI webSocketUrl;
  private Timebase time;

  WatcherBuilder(Store store, StopLossCheck check, CheckService service) {
    this.store = store;
    this.check = check;
    this.service = service;
  }

  public WatcherBuilder policy(Policy p) {
    this.policy = p;
    return this;
  }

  public WatcherBuilder alerting(Alerting a) {
    this.alerting = a;
    return this;
  }

  public WatcherBuilder metrics(StopguardMetrics m) {
    this.metrics = m;
    return this;
  }

  public WatcherBuilder settings(WatchSettings s) {
    this.settings = s;
    return this;
  }

  /** Bitget's private WebSocket (or the simulator's). */
  public WatcherBuilder webSocket(URI url) {
    this.webSocketUrl = url;
    return this;
  }

  /** The time it runs on: a root it then owns, or a process's {@link Timebase#part}. */
  public WatcherBuilder time(Timebase t) {
    this.time = t;
    return this;
  }

  public Watcher build() {
    return new Watcher(store, check, service, policy, alerting, metrics, settings, webSocketUrl,
        time != null ? time : Timebase.system());
  }
}
