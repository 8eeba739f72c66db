package io.stopguard.check;

import io.stopguard.alert.AlertTexts;
import io.stopguard.bitget.BitgetApiException;
import io.stopguard.bitget.BitgetClient;
import io.stopguard.bitget.PlanType;
import io.stopguard.restore.ClientOids;
import io.stopguard.store.AuditEntry;
import io.stopguard.store.Flap;
import java.util.Map;
import java.util.HashMap;
import java.util.ArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import io.stopguard.alert.Alerting;
import io.stopguard.bitget.BitgetException;
import io.stopguard.bitget.Contract;
import io.stopguard.incident.Decision;
import io.stopguard.incident.IncidentLog;
import io.stopguard.incident.IncidentTracker;
import io.stopguard.metrics.StopguardMetrics;
import io.stopguard.risk.Policy;
import io.stopguard.risk.PositionVerdict;
import io.stopguard.risk.RestorePlan;
import io.stopguard.risk.RestorePlanner;
import io.stopguard.bitget.UnusableKeyException;
import io.stopguard.store.ActiveKeys;
import io.stopguard.store.ExchangeKey;
import io.stopguard.store.UnusableKey;
import io.stopguard.store.Flag;
import io.stopguard.store.Incident;
import io.stopguard.store.Incidents;
import io.stopguard.store.Store;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One full check with everything that follows from it, in this order: the risk flag, incidents
 * (opened, reminded, restored, resolved), alerts queued, docs/incident_log.md, the metrics file.
 * Delivery of queued alerts is separate ({@link #deliverAlerts}), so Telegram never delays the
 * check's own results.
 */
public final class CheckService {
  private static final Logger log = LoggerFactory.getLogger(CheckService.class);
  /** Durations in log lines: logs are English whatever language the team's alerts are in. */
  private static final AlertTexts LOG_TEXTS = new AlertTexts("en");

  private final Store store;
  private final StopLossCheck check;
  private final Policy policy;
  private final Alerting alerting;
  private final StopguardMetrics metrics;
  private final Path metricsFile;
  private final IncidentLog incidentLog;
  private final Clock clock;

  public CheckService(Store store, StopLossCheck check, Policy policy, Alerting alerting, StopguardMetrics metrics,
      Path metricsFile, IncidentLog incidentLog, Clock clock) {
    this.store = store;
    this.check = check;
    this.policy = policy;
    this.alerting = alerting;
    this.metrics = metrics;
    this.metricsFile = metricsFile;
    this.incidentLog = incidentLog;
    this.clock = clock;
  }

  /** A check and what it decided about incidents. */
  public record Outcome(CheckReport report, List<Decision> decisions) {}

  /** Checks every active key; see the class comment for what follows. */
  public Outcome run() {
    ActiveKeys all = store.keys().active("bitget");
    if (all.isEmpty()) throw new NoActiveKeysException(store.where().toString());
    List<ExchangeKey> keys = all.usable();
    Instant t0 = clock.instant();
    CheckReport report = withUnusable(check.run(keys), all.unusable());
    Duration took = Duration.between(t0, clock.instant());
    if (report.complete()) {
      store.setFlag(Store.FLAG_STOPLOSS_MISSING, !report.unprotected().isEmpty(), report.summaryLine());
    }
    if (!report.unprotected().isEmpty()) fetchContracts(keys);
    List<Decision> decisions = applyIncidents(report, keys).decisions();
    writeMetrics(report, took);
    return new Outcome(report, decisions);
  }

  /**
   * One user's accounts looked at again (after a stop was placed by hand): their incidents end if the
   * stop is there, and the flag follows the open incidents, so {@code place-stop} lowers it when that
   * was the last bare position known. Other users' accounts are not asked; their open incidents (from
   * the last check or watch) keep the flag up. A look that did not complete changes no flag.
   */
  public CheckReport recheckUser(String userId) {
    ActiveKeys keys = store.keys().active("bitget", userId);
    CheckReport report = withUnusable(check.run(keys.usable()), keys.unusable());
    if (!report.unprotected().isEmpty()) fetchContracts(keys.usable());
    store.inTransaction(() -> {
      applyIncidents(report, keys.usable());
      if (report.complete()) {
        List<String> bare = store.incidents().open().stream().map(Incident::key).sorted().toList();
        store.setFlag(Store.FLAG_STOPLOSS_MISSING, !bare.isEmpty(), "stoploss_missing=[" + String.join(", ", bare) + "]");
      }
    });
    return report;
  }

  /** A key that cannot be used is that account's failure in the report: the check is incomplete, never silently smaller. */
  public static CheckReport withUnusable(CheckReport report, List<UnusableKey> unusable) {
    if (unusable.isEmpty()) return report;
    List<AccountResult> all = new ArrayList<>(report.accounts());
    for (UnusableKey u : unusable) {
      all.add(new AccountResult(u.userId(), u.maskedKey(), List.of(),
          new UnusableKeyException("key " + u.maskedKey() + " of user " + u.userId() + " cannot be used: " + u.reason())));
    }
    return new CheckReport(all);
  }

  /** Reconciles incidents with a report (also used by the watcher after each account evaluation). */
  public Applied applyIncidents(CheckReport report, List<ExchangeKey> keys) {
    return applyIncidents(report, keys, clock.instant());
  }

  /**
   * The same for a look made at {@code now}, recorded later (the watcher's looks the store did not
   * take when they were made): incidents open and end at the look's time; alerts are queued now.
   */
  /**
   * What {@link #applyIncidents} decided, and the incidents open once it is done by position key: a
   * restore that follows in the same transaction takes its incident from here, not from another read
   * of every open incident.
   */
  public record Applied(List<Decision> decisions, Map<String, Incident> open) {}

  public Applied applyIncidents(CheckReport report, List<ExchangeKey> keys, Instant now) {
    Set<String> answered = new HashSet<>();
    for (AccountResult a : report.accounts()) if (a.ok()) answered.add(a.userId());
    for (AccountResult a : report.accounts()) if (!a.ok()) answered.remove(a.userId()); // a user with one failed key is not judged
    Incidents incidents = store.incidents();
    List<Incident> openBefore = incidents.open();
    Map<String, Incident> open = new HashMap<>();
    for (Incident i : openBefore) open.put(i.key(), i);
    List<Decision> decisions = IncidentTracker.reconcile(openBefore, report.verdicts(), answered, now,
        alerting.reminder());
    List<Contract> contracts = null;
    for (Decision d : decisions) {
      switch (d) {
        case Decision.Open o -> {
          PositionVerdict v = o.verdict();
          Incident i = incidents.open(v.userId(), v.position().symbol(), v.position().holdSide().name(), v.verdict().name(),
              String.join("; ", v.reasons()), now);
          open.put(i.key(), i);
          if (flapDamped(i, now)) continue;
          if (contracts == null) contracts = contracts(keys);
          alert(i, alerting.texts().unprotected(v, restoreCommand(v, contracts), false, null), "unprotected");
        }
        case Decision.Remind r -> {
          if (contracts == null) contracts = contracts(keys);
          alert(r.incident(), alerting.texts().unprotected(r.verdict(), restoreCommand(r.verdict(), contracts), true,
              Duration.between(r.incident().detectedAt(), now)), "reminder");
          if (!r.incident().verdict().equals(r.verdict().verdict().name())) {
            incidents.verdictChanged(r.incident().id(), r.verdict().verdict().name(), String.join("; ", r.verdict().reasons()));
          }
        }
        case Decision.Changed c -> incidents.verdictChanged(c.incident().id(), c.verdict().verdict().name(),
            String.join("; ", c.verdict().reasons()));
        case Decision.Restored r -> {
          Incident i = r.incident();
          boolean flapping = store.flapping().get(i.userId(), i.symbol(), i.holdSide()).isPresent();
          String by = store.journal().lastRestoreActor(i.userId(), i.symbol(), i.holdSide(), i.detectedAt())
              .orElseGet(() -> placedByTheGuard(i, r.verdict(), keys) ? "watch" : "external");
          String how = r.verdict().stops().stream().findFirst()
              .map(s -> "stop-loss back on the exchange: " + s.planType().wire() + " " + s.triggerPrice().toPlainString())
              .orElse("stop-loss back on the exchange");
          incidents.restored(i.id(), now, by, how);
          open.remove(i.key());
          Incident ended = incidents.byId(i.id()).orElseThrow();
          if (!flapping) recovered(ended, false, how + ("external".equals(by) ? "" : " (" + by + ")") + basis(i, now));
        }
        case Decision.Gone g -> {
          incidents.resolved(g.incident().id(), now, "position closed");
          open.remove(g.incident().key());
          Incident ended = incidents.byId(g.incident().id()).orElseThrow();
          recovered(ended, true, "position closed");
        }
      }
    }
    settleFlaps();
    logEnded();
    return new Applied(decisions, open);
  }

  /** Bare episodes of one position within the flap window that make it "flapping". */
  static final int FLAP_EPISODES = 3;

  /**
   * Whether this new incident's alert is held back because its position flaps: the third episode
   * within the window sends one "flapping" alert instead, later ones send nothing until it settles.
   */
  private boolean flapDamped(Incident i, Instant now) {
    Duration window = alerting.flapWindow();
    if (window == null || window.isZero()) return false;
    if (store.flapping().get(i.userId(), i.symbol(), i.holdSide()).isPresent()) {
      store.flapping().episode(i.userId(), i.symbol(), i.holdSide(), 0, now);
      return true;
    }
    int recent = store.incidents().countDetectedSince(i.userId(), i.symbol(), i.holdSide(), now.minus(window));
    if (recent < FLAP_EPISODES) return false;
    store.flapping().episode(i.userId(), i.symbol(), i.holdSide(), recent, now);
    log.warn("{} is flapping: bare {} times within {}", i.key(), recent, LOG_TEXTS.duration(window));
    alert(i, alerting.texts().flapping(i.key(), recent, window), "flapping");
    return true;
  }

  /**
   * Flapping positions: one whose latest episode has lasted a minute is simply bare (alerted as
   * such: damping never hides a stop that stays missing); one quiet for half the window has settled.
   */
  public void settleFlaps() {
    Duration window = alerting.flapWindow();
    if (window == null || window.isZero()) return;
    Instant now = clock.instant();
    List<Incident> open = store.incidents().open();
    for (Flap f : store.flapping().all()) {
      Optional<Incident> bare = open.stream().filter(i -> i.key().equals(f.key())).findFirst();
      if (bare.isPresent()) {
        Incident i = bare.get();
        if (i.alertedAt() == null && Duration.between(i.detectedAt(), now).compareTo(Duration.ofMinutes(1)) >= 0) {
          alert(i, alerting.texts().bareWhileFlapping(i.key(), Duration.between(i.detectedAt(), now)), "unprotected");
        }
      } else if (Duration.between(f.lastAt(), now).compareTo(window.dividedBy(2)) >= 0) {
        store.flapping().settled(f);
        log.info("{} settled after {} bare episodes", f.key(), f.episodes());
        String text = alerting.texts().flapSettled(f.key(), f.episodes(), Duration.between(f.since(), f.lastAt()),
            Duration.between(f.lastAt(), now));
        alerting.send(store, "flap-settled", text, now);
      }
    }
  }

  /**
   * Which stop the guard put back, as its audit row says ("the stop seen on the position at …",
   * "the stop set with place-stop at …", "10% from entry …"): a trader reads "put back" as "the same
   * stop", so the alert says which. Empty when the guard placed nothing for this incident.
   */
  private String basis(Incident i, Instant now) {
    for (AuditEntry e : store.journal().auditLog(i.userId(), i.detectedAt(), now).reversed()) {
      if (!"watch".equals(e.actor()) || !"ok".equals(e.result()) || !i.symbol().equalsIgnoreCase(e.symbol())
          || !i.holdSide().equalsIgnoreCase(e.holdSide()) || e.detail() == null) {
        continue;
      }
      int at = e.detail().indexOf("; ");
      return at < 0 ? "" : "; " + e.detail().substring(at + 2);
    }
    return "";
  }

  /** Appends every ended incident not yet in docs/incident_log.md. */
  public void logEnded() {
    Incidents incidents = store.incidents();
    for (Incident i : incidents.endedNotLogged()) {
      incidentLog.append(i);
      incidents.logged(i.id(), clock.instant());
    }
  }

  private void alert(Incident i, String text, String kind) {
    if (!alerting.enabled()) return;
    alerting.send(store, kind, text, clock.instant());
    store.incidents().alerted(i.id(), clock.instant());
  }

  private void recovered(Incident i, boolean gone, String how) {
    if (!alerting.enabled() || i.alertedAt() == null) return; // nobody was told it was bare
    String text = alerting.texts().recovered(i, gone, how);
    alerting.send(store, "recovered", text, clock.instant());
  }

  private volatile List<Contract> contractsCache;
  private volatile Instant contractsFetchedAt = Instant.EPOCH;

  /**
   * Whether the stop that ended an incident carries one of the clientOids the guard derives for it
   * (any generation so far): a watcher killed after its placement left but before its audit row was
   * written placed it, not someone "external".
   */
  private boolean placedByTheGuard(Incident i, PositionVerdict v, List<ExchangeKey> keys) {
    ExchangeKey key = keys.stream().filter(k -> k.userId().equals(i.userId())).findFirst().orElse(null);
    if (key == null) return false;
    String exchange = check.client(key).baseUrl().toString();
    for (var stop : v.stops()) {
      if (stop.clientOid() == null) continue;
      for (int g = 0; g <= i.oidGeneration(); g++) {
        if (stop.clientOid().equals(ClientOids.forRestore(exchange, i.userId(), v.position(), i.id(),
            i.detectedAt(), g))) {
          return true;
        }
      }
    }
    return false;
  }

  private final AtomicBoolean contractsFetching = new AtomicBoolean();

  /**
   * Contract rules for restore suggestions, as cached: this runs inside the store's transaction,
   * where nothing may wait on the network (a slow contracts endpoint, with the client's retries, held
   * the store for every other account for up to ~41 s). When the cache is missing or older than 10
   * minutes, one fetch starts beside it; until it lands the suggestion names the read-only command
   * that shows the position instead of a price.
   */
  private List<Contract> contracts(List<ExchangeKey> keys) {
    refreshContractsInBackground(keys);
    List<Contract> cached = contractsCache;
    return cached != null ? cached : List.of();
  }

  /** Starts one fetch of the contract rules beside the caller when they are missing or 10 minutes old (the watcher: at start and with each key refresh). */
  public void refreshContractsInBackground(List<ExchangeKey> keys) {
    if (keys.isEmpty()) return;
    if (contractsCache == null || Duration.between(contractsFetchedAt, clock.instant()).toMinutes() >= 10) {
      if (contractsFetching.compareAndSet(false, true)) {
        Thread.ofVirtual().name("contracts-fetch").start(() -> {
          try {
            fetchContracts(keys);
          } finally {
            contractsFetching.set(false);
          }
        });
      }
    }
  }

  /**
   * One contract's rules for a restore, from the one cache (10 minutes): fetched now, through
   * {@code client}, when the cache is missing, old, or does not know the symbol (a contract listed
   * since). Never called inside a transaction. Null if Bitget does not answer or has no such contract.
   */
  public Contract contract(BitgetClient client, String symbol) {
    List<Contract> cached = contractsCache;
    boolean fresh = cached != null && Duration.between(contractsFetchedAt, clock.instant()).toMinutes() < 10;
    if (fresh) {
      Optional<Contract> c = cached.stream().filter(x -> x.symbol().equalsIgnoreCase(symbol)).findFirst();
      if (c.isPresent()) return c.get();
    }
    try {
      List<Contract> all = client.contracts();
      contractsCache = all;
      contractsFetchedAt = clock.instant();
      return all.stream().filter(x -> x.symbol().equalsIgnoreCase(symbol)).findFirst().orElse(null);
    } catch (BitgetException e) {
      log.warn("contract rules of {} unavailable: {}", symbol, e.getMessage());
      return fresh ? null : cached == null ? null
          : cached.stream().filter(x -> x.symbol().equalsIgnoreCase(symbol)).findFirst().orElse(null); // old rules beat none
    }
  }

  /** Fetches the contract rules now (one-off commands, before their transaction: they want the exact suggestion). */
  public void fetchContracts(List<ExchangeKey> keys) {
    if (keys.isEmpty()) return;
    List<Contract> cached = contractsCache;
    if (cached != null && Duration.between(contractsFetchedAt, clock.instant()).toMinutes() < 10) return;
    try {
      List<Contract> fresh = check.client(keys.get(0)).contracts();
      contractsCache = fresh;
      contractsFetchedAt = clock.instant();
    } catch (BitgetException e) {
      log.warn("contracts unavailable for restore suggestions: {}", e.getMessage());
    }
  }

  private String restoreCommand(PositionVerdict v, List<Contract> contracts) {
    var p = v.position();
    Optional<Contract> c = contracts.stream().filter(x -> x.symbol().equalsIgnoreCase(p.symbol())).findFirst();
    String user = AlertTexts.sh(v.userId());
    String symbol = AlertTexts.sh(p.symbol());
    String base = "./stopguard place-stop --user " + user + " --symbol " + symbol + " --direction "
        + p.holdSide().name() + " --amount " + p.total().toPlainString();
    if (c.isEmpty()) return "./stopguard stop-orders --user " + user + " --symbol " + symbol + " --direction "
        + p.holdSide().name() + " --dry-run";
    var intended = store.journal().intendedStop(v.userId(), p.symbol(), p.holdSide().name(), p.cTime()).orElse(null);
    RestorePlan plan = intended == null ? RestorePlanner.plan(p, c.get(), policy, null)
        : RestorePlanner.plan(p, c.get(), policy, intended.price(), intended.describe());
    return plan instanceof RestorePlan.Place pl ? base + " --stop-price " + pl.triggerPrice().toPlainString()
        + (v.stops().stream().anyMatch(s -> s.planType() == PlanType.POS_LOSS) ? " --replace" : "")
        : null;
  }

  public void writeMetrics(CheckReport report, Duration took) {
    if (metrics == null) return;
    Optional<Flag> flag = store.flag(Store.FLAG_STOPLOSS_MISSING);
    Instant lastOk = flag.map(f -> Instant.parse(f.updatedAt())).orElse(null);
    List<String> errorCodes = report.accounts().stream().filter(a -> !a.ok())
        .map(a -> a.error() instanceof BitgetApiException e ? e.code()
            : a.error() instanceof UnusableKeyException ? "unusable_key" : "transport").toList();
    metrics.recordCheck(report.complete(), report.verdicts(), errorCodes, took, lastOk, flag.map(Flag::value).orElse(0));
    var outbox = store.outbox();
    metrics.recordAlerts(outbox.queued(), outbox.droppedTotal(), outbox.sentTotal());
    metrics.recordOpenIncidents(store.incidents().open().size());
    if (metricsFile != null) metrics.writeTextfile(metricsFile);
  }

  /** Sends queued alerts within the configured budget; the check's results are already written. */
  public int deliverAlerts() {
    if (!alerting.telegramEnabled()) return 0;
    int sent = alerting.delivery(clock).deliver(store.outbox(), alerting.deliveryBudget());
    if (metrics != null) {
      var outbox = store.outbox();
      metrics.recordAlerts(outbox.queued(), outbox.droppedTotal(), outbox.sentTotal());
      if (metricsFile != null) metrics.writeTextfile(metricsFile);
    }
    return sent;
  }
}
