package io.stopguard.guard;

import io.stopguard.alert.Alerting;
import io.stopguard.bitget.BitgetApiException;
import io.stopguard.bitget.BitgetClient;
import io.stopguard.bitget.BitgetException;
import io.stopguard.bitget.Contract;
import io.stopguard.bitget.ErrorKind;
import io.stopguard.bitget.PlanOrder;
import io.stopguard.bitget.Position;
import io.stopguard.metrics.StopguardMetrics;
import io.stopguard.restore.ClientOids;
import io.stopguard.restore.PlacedStop;
import io.stopguard.restore.StopPlacer;
import io.stopguard.restore.StopRejectedException;
import io.stopguard.restore.StopRequest;
import io.stopguard.risk.Policy;
import io.stopguard.risk.PositionVerdict;
import io.stopguard.risk.RestorePlan;
import io.stopguard.risk.RestorePlanner;
import io.stopguard.store.AuditEntry;
import io.stopguard.store.ExchangeKey;
import io.stopguard.store.Incident;
import io.stopguard.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The guard's restore of a bare position, after its grace period, on the data the account's
 * evaluation just fetched: plan the price, place idempotently with the incident's clientOid, move
 * on from a spent clientOid, and escalate a restore that does not end in a confirmed stop within
 * its bounds. Decisions by {@link ErrorKind}, never by raw codes.
 */
final class Restorer {
  private static final Logger log = LoggerFactory.getLogger(Restorer.class);

  /** What the restorer needs of one watched account. */
  interface Account {
    BitgetClient client();

    ExchangeKey key();

    /** Evaluate the account again (soon, or at once if idle). */
    void lookAgain();

    /** Evaluate once more right after the current evaluation (to confirm what was just placed). */
    void lookAgainAfterThis();

    /**
     * The last pos_loss this process saw protect this very position (the trader's own stop), or
     * null: one closed and opened again (a new opening time) is another position, with no stop of its own yet.
     */
    PlanOrder lastStop(Position position);

    /** A request sent while the store did not answer: its audit row, to be written when it answers. */
    void sentWithoutStore(String positionKey, AuditEntry audit);
  }

  private final Store store;
  private final Policy policy;
  private final Alerting alerting;
  private final StopguardMetrics metrics;
  private final WatchSettings settings;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final BooleanSupplier closed;
  private final BiFunction<BitgetClient, String, Contract> contracts;

  private final Supplier<Ownership> ownership;
  /** Incidents whose dry-run alert this process has queued (kept in memory: a dry run writes no state). */
  private final Set<Long> dryRunTold = ConcurrentHashMap.newKeySet();

  Restorer(Store store, Policy policy, Alerting alerting, StopguardMetrics metrics, WatchSettings settings, Clock clock,
      ScheduledExecutorService scheduler, BooleanSupplier closed, Supplier<Ownership> ownership,
      BiFunction<BitgetClient, String, Contract> contracts) {
    this.contracts = contracts;
    this.ownership = ownership;
    this.store = store;
    this.policy = policy;
    this.alerting = alerting;
    this.metrics = metrics;
    this.settings = settings;
    this.clock = clock;
    this.scheduler = scheduler;
    this.closed = closed;
  }


  /**
   * The position has been bare for the grace period (seen in the data just fetched): place a stop.
   * {@code incident} is its open incident as this look's record left it (null: none, nothing to do).
   */
  void restore(Account a, PositionVerdict v, List<PlanOrder> plans, Incident incident) {
    if (closed.getAsBoolean()) return;
    String positionKey = v.key();
    if (incident == null) return; // applyIncidents opened it just before; absent only if the store failed
    if (settings.restore() == WatchSettings.Restore.ON) escalateIfOverdue(incident);
    Position p = v.position();
    Contract c = contract(a, p.symbol());
    if (c == null) {
      log.warn("restore of {}: contract rules unavailable; again in 1 s", positionKey);
      store.incidents().error(incident.id(), "contract rules of " + p.symbol() + " unavailable");
      retrySoon(a, incident);
      return;
    }
    var intended = store.journal().intendedStop(v.userId(), p.symbol(), p.holdSide().name(), p.cTime()).orElse(null);
    PlanOrder seen = a.lastStop(p);
    RestorePlan plan = intended != null ? RestorePlanner.plan(p, c, policy, intended.price(), intended.describe())
        : seen != null ? RestorePlanner.plan(p, c, policy, seen.triggerPrice(), "the stop this watcher last saw on the position")
        : RestorePlanner.plan(p, c, policy, null);
    if (plan instanceof RestorePlan.Refuse r) {
      log.warn("restore of {} refused: {}", positionKey, r.reason());
      store.incidents().error(incident.id(), r.reason());
      return;
    }
    RestorePlan.Place place = (RestorePlan.Place) plan;
    StopRequest req = new StopRequest(p.symbol(), p.holdSide(), null, place.triggerPrice(), true, clientOid(a, p, incident));
    Consumer<AuditEntry> audit = store.journal()::audit;
    StopPlacer placer = new StopPlacer(a.client(), a.key().userId(), "watch", audit).because(place.basis());
    final StopPlacer.Preview pv;
    try {
      pv = placer.preview(req, p, c, plans);
    } catch (StopRejectedException e) {
      log.warn("restore of {} refused: {}", positionKey, e.getMessage());
      store.incidents().error(incident.id(), e.getMessage());
      return;
    }
    if (settings.restore() == WatchSettings.Restore.DRY_RUN) {
      // A dry run changes nothing: the incident stays as it is (no restoring, no attempt, so no
      // escalation later, under --restore on, for a restore that never ran); one alert per incident.
      if (dryRunTold.add(incident.id())) {
        String text = alerting.texts().dryRun(v, a.client().requestBody(pv.order()), place.basis());
        alerting.send(store, "dry-run", text, clock.instant());
      }
      return;
    }
    // The fence: the lease is checked in the same transaction that records the intent, so an
    // instance that lost the account (paused, partitioned) sends nothing (FleetMember).
    AtomicBoolean mine = new AtomicBoolean();
    store.inTransaction(() -> {
      mine.set(ownership.get().mayAct(a.key().userId()));
      if (mine.get()) store.incidents().restoring(incident.id(), clock.instant());
    }, Watcher.RESTORE_LOCK_WAIT); // a lock held elsewhere: fail in 0.5 s and go without the store (AccountWatch)
    if (!mine.get()) {
      log.warn("restore of {} not sent: this instance no longer holds the account's lease", positionKey);
      return;
    }
    // The send window: the check above holds for actWindow(); a write leaving after it (the IP
    // budget's wait, a second attempt, a pause) asks again first, so a lost owner stops mid-restore.
    long window = Math.min(ownership.get().actWindow().toNanos(), Long.MAX_VALUE / 4);
    long[] until = {System.nanoTime() + window};
    placer.fencedBy(() -> {
      if (System.nanoTime() < until[0]) return true;
      AtomicBoolean still = new AtomicBoolean();
      store.inTransaction(() -> still.set(ownership.get().mayAct(a.key().userId())), Watcher.LOOK_LOCK_WAIT);
      if (still.get()) until[0] = System.nanoTime() + window;
      return still.get();
    });
    try {
      PlacedStop s = placer.place(pv);
      metrics.restoreSucceeded();
      log.info("restored {}: {} {} at {} ({})", positionKey, s.action(), s.planType().wire(), s.triggerPrice(), s.orderId());
    } catch (StopRejectedException e) {
      switch (e.reason()) {
        case ALREADY_PROTECTED, NO_POSITION -> log.info("restore of {} not needed: {}", positionKey, e.getMessage());
        case NOT_OURS -> {
          log.warn("restore of {} stopped: {}", positionKey, e.getMessage());
          return;
        }
        case CLIENT_OID_SPENT -> {
          // The next attempt derives a fresh clientOid; recorded before that attempt's request leaves.
          log.warn("restore of {}: {}; the next attempt uses a fresh clientOid", positionKey, e.getMessage());
          store.incidents().spendClientOid(incident.id(), e.getMessage());
          a.lookAgainAfterThis();
          return;
        }
        case INVALID -> failRestore(incident, e.getMessage());
      }
    } catch (BitgetApiException e) {
      String error = describe(e);
      if (e.kind() == ErrorKind.GONE) {
        log.info("restore of {}: position gone ({})", positionKey, e.code());
      } else if (e.kind() == ErrorKind.RETRYABLE || e.kind() == ErrorKind.WRONG_SIDE || e.kind() == ErrorKind.BAD_REQUEST) {
        // Throttled, the mark moved, or the position changed under us (another actor placed a stop,
        // it was resized): look again on fresh data. A request that stays wrong is escalated by its
        // attempt and time bounds, never retried in silence.
        log.info("restore of {}: {} (will look again)", positionKey, error);
        store.incidents().error(incident.id(), error);
        retrySoon(a, incident);
        return;
      } else {
        failRestore(incident, error);
      }
    } catch (BitgetException e) {
      log.info("restore of {}: {} (will look again)", positionKey, e.getMessage()); // transport: look before retrying
      store.incidents().error(incident.id(), e.getMessage());
      retrySoon(a, incident);
      return;
    }
    a.lookAgainAfterThis(); // confirm through orders-plan-pending; the incident closes as restored (by watch)
  }

  /** Per episode (its clientOid's first generation): the generation Bitget has not refused as spent yet. */
  private final Map<String, Integer> episodeGenerations = new ConcurrentHashMap<>();

  /**
   * The position has been bare for the grace period and the store does not answer: place a stop on
   * what this process knows in memory (docs/ARCHITECTURE.md, "Protection without the store"). The
   * price is the stop the watcher last saw on the position (else the policy's); the clientOid names
   * the episode without the store ({@link ClientOids#forEpisode}). Only a placement on a position
   * with no pos_loss goes out: moving a wrong stop (a modify, or a one-way cancel and place) waits
   * for the store's fence. Returns whether a request was sent; its audit rows wait in the account's
   * {@link Unrecorded} events.
   */
  boolean restoreWithoutStore(Account a, PositionVerdict v, List<PlanOrder> plans, Instant bareSince) {
    if (closed.getAsBoolean()) return false;
    String positionKey = v.key();
    String user = a.key().userId();
    if (settings.restore() != WatchSettings.Restore.ON) {
      log.info("restore of {}: the store does not answer; nothing placed ({})", positionKey, settings.restore());
      return false;
    }
    if (!ownership.get().mayPlaceWithoutStore(user)) {
      log.warn("restore of {} not sent: the store does not answer and this instance's lease is not fresh", positionKey);
      return false;
    }
    Position p = v.position();
    Contract c = contract(a, p.symbol());
    if (c == null) {
      log.warn("restore of {}: contract rules unavailable; again in 1 s", positionKey);
      scheduler.schedule(a::lookAgain, 1, TimeUnit.SECONDS);
      return false;
    }
    PlanOrder lost = a.lastStop(p);
    RestorePlan plan = lost == null ? RestorePlanner.plan(p, c, policy, null)
        : RestorePlanner.plan(p, c, policy, lost.triggerPrice(), "the stop this watcher last saw on the position");
    if (plan instanceof RestorePlan.Refuse r) {
      log.warn("restore of {} refused: {}", positionKey, r.reason());
      return false;
    }
    String episode = ClientOids.forEpisode(a.client().baseUrl().toString(), user, p, lost == null ? null : lost.orderId(),
        bareSince, 0);
    int generation = episodeGenerations.getOrDefault(episode, 0);
    String clientOid = generation == 0 ? episode
        : ClientOids.forEpisode(a.client().baseUrl().toString(), user, p, lost == null ? null : lost.orderId(), bareSince, generation);
    RestorePlan.Place place = (RestorePlan.Place) plan;
    StopRequest req = new StopRequest(p.symbol(), p.holdSide(), null, place.triggerPrice(), true, clientOid);
    StopPlacer placer = new StopPlacer(a.client(), user, "watch", e -> a.sentWithoutStore(positionKey, e))
        .fencedBy(() -> ownership.get().mayPlaceWithoutStore(user)) // memory: asked before every write
        .because(place.basis() + "; placed while the store did not answer");
    final StopPlacer.Preview pv;
    try {
      pv = placer.preview(req, p, c, plans);
    } catch (StopRejectedException e) {
      log.warn("restore of {} refused: {}", positionKey, e.getMessage());
      return false;
    }
    if (pv.existing().isPresent()) {
      log.warn("restore of {}: its stop {} needs moving, which waits for the store (a modify is fenced by it)", positionKey,
          pv.existing().get().orderId());
      return false;
    }
    try {
      PlacedStop s = placer.place(pv);
      metrics.restoreSucceeded();
      log.warn("restored {} WITHOUT THE STORE: {} {} at {} ({}); recorded when the store answers", positionKey, s.action(),
          s.planType().wire(), s.triggerPrice(), s.orderId());
    } catch (StopRejectedException e) {
      switch (e.reason()) {
        case ALREADY_PROTECTED, NO_POSITION -> log.info("restore of {} not needed: {}", positionKey, e.getMessage());
        case NOT_OURS -> log.warn("restore of {} stopped: {}", positionKey, e.getMessage());
        case CLIENT_OID_SPENT -> {
          episodeGenerations.put(episode, generation + 1);
          log.warn("restore of {}: {}; the next attempt uses a fresh clientOid", positionKey, e.getMessage());
          a.lookAgainAfterThis();
        }
        case INVALID -> log.warn("restore of {} refused: {}", positionKey, e.getMessage());
      }
      return false;
    } catch (BitgetException e) {
      log.info("restore of {} without the store: {} (will look again)", positionKey, e.getMessage());
      scheduler.schedule(a::lookAgain, 1, TimeUnit.SECONDS);
      return true;
    }
    a.lookAgainAfterThis(); // confirm; the look is kept with the others until the store answers
    return true;
  }

  /** The incident's clientOid: see {@link ClientOids#forRestore}. */
  private static String clientOid(Account a, Position p, Incident incident) {
    return ClientOids.forRestore(a.client().baseUrl().toString(), a.key().userId(), p, incident.id(), incident.detectedAt(),
        incident.oidGeneration());
  }

  private static String describe(BitgetApiException e) {
    return "Bitget " + e.code() + ": " + e.msg() + " (" + e.hint() + ")";
  }

  /** Look again in 1 s; once escalated, every 5 s (an operator has been told; keep trying, spend less). */
  private void retrySoon(Account a, Incident incident) {
    scheduler.schedule(a::lookAgain, incident.escalatedAt() == null ? 1 : 5, TimeUnit.SECONDS);
  }

  /**
   * A restore that has not ended in a confirmed stop within its bound (attempts over a third of the
   * time bound, or the time bound since the first attempt) is escalated once per incident: WARN, an alert with Bitget's last answer and the
   * operator's next step, {@code escalated_at} on the incident, /health degraded and a metric.
   */
  private void escalateIfOverdue(Incident incident) {
    if (incident.escalatedAt() != null || incident.restoringAt() == null) return;
    Instant now = clock.instant();
    Duration failing = Duration.between(incident.restoringAt(), now);
    boolean tooLong = failing.compareTo(settings.escalateAfter()) >= 0;
    // Attempts alone escalate only once the failure has lasted a third of the bound (10 s by
    // default): a few quick refusals in a 5 s burst of 500s are not "it will not fix itself".
    // Refusals that cannot pass by themselves escalate at once (failRestore).
    boolean tooMany = incident.attempts() >= settings.maxRestoreAttempts()
        && failing.compareTo(settings.escalateAfter().dividedBy(3)) >= 0;
    if (!tooLong && !tooMany) return;
    escalate(incident, incident.lastError() == null ? "no confirmed stop yet" : incident.lastError());
  }

  private void escalate(Incident incident, String error) {
    Instant now = clock.instant();
    store.incidents().escalated(incident.id(), now, error);
    Incident current = store.incidents().byId(incident.id()).orElse(incident);
    metrics.restoreEscalated();
    log.warn("restore of {} FAILING after {} attempt(s) in {} s: {}", current.key(), current.attempts(),
        current.restoringAt() == null ? 0 : Duration.between(current.restoringAt(), now).toSeconds(), error);
    String text = alerting.texts().restoreFailing(current, error, Duration.between(current.detectedAt(), now));
    alerting.send(store, "restore-failing", text, now);
  }

  private void failRestore(Incident incident, String error) {
    metrics.restoreFailed();
    Incident now = (store.incidents().byId(incident.id())).orElse(incident);
    store.incidents().error(incident.id(), error);
    if (now.attempts() >= settings.maxRestoreAttempts() && now.escalatedAt() == null) escalate(now, error);
  }

  /** Open incidents whose restore is escalated, as position keys (for /health and the metric). */
  List<String> failingRestoresOrThrow() {
    return (store.incidents().open()).stream().filter(i -> i.escalatedAt() != null && ownership.get().owns(i.userId()))
        .map(Incident::key).toList();
  }

  /** The contract's rules, from the service's one cache (refreshed every 10 minutes, and for a symbol it does not know). */
  private Contract contract(Account a, String symbol) {
    return contracts.apply(a.client(), symbol);
  }
}
