package io.stopguard.status;

import io.stopguard.alert.AlertTexts;
import io.stopguard.bitget.HoldSide;
import io.stopguard.bitget.PlanOrder;
import io.stopguard.bitget.Position;
import io.stopguard.guard.WatchHealth;
import io.stopguard.guard.Watcher;
import io.stopguard.guard.Watcher.AccountSnapshot;
import io.stopguard.risk.PositionVerdict;
import io.stopguard.store.AuditEntry;
import io.stopguard.store.Incident;
import io.stopguard.store.KeyRow;
import io.stopguard.store.Store;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Builds the {@link StatusView} from what the watcher last saw (its account snapshots and /health
 * summary) and what the store knows (flag, incidents, audit). Pure formatting over those values:
 * the risk of each stop is computed here, nothing is asked of Bitget but the (cached) equity.
 */
public final class StatusModel {
  static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);
  /** When a position was last verified: a time, not an age, so a row changes only when it is verified again. */
  static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);
  private static final BigDecimal HUNDRED = new BigDecimal("100");

  private final Supplier<List<AccountSnapshot>> accounts;
  private final Supplier<WatchHealth> summary;
  private final Store store;
  private final Function<String, Optional<BigDecimal>> equity;
  private final Clock clock;
  private final String instance;
  /** Told which accounts a page shows (their equity is worth asking for), or nobody. */
  private volatile Consumer<Collection<String>> shown = users -> { };
  /** The page's words (English unless {@link #in} says otherwise). */
  private volatile Labels t = new Labels("en");
  /** Rows other instances of a fleet published (their accounts), or none. */
  private volatile Supplier<List<StatusView.Row>> others = List::of;

  public StatusModel(Supplier<List<AccountSnapshot>> accounts, Supplier<WatchHealth> summary, Store store,
      Function<String, Optional<BigDecimal>> equity, Clock clock, String instance) {
    this.accounts = accounts;
    this.summary = summary;
    this.store = store;
    this.equity = equity;
    this.clock = clock;
    this.instance = instance;
  }

  /** In the page's language: reasons, units and words of the rows, header and incidents. */
  public StatusModel in(Labels labels) {
    this.t = labels;
    return this;
  }

  /** On a fleet: also show the accounts other instances guard, from the shared store. */
  public StatusModel withOthers(Supplier<List<StatusView.Row>> others) {
    this.others = others;
    return this;
  }

  /** Whom to tell which accounts a page shows (the {@link EquityCache}: only those are asked about). */
  public StatusModel withShownAccounts(Consumer<Collection<String>> shown) {
    this.shown = shown;
    return this;
  }

  /** This instance's rows of one account (what {@link FleetRows} publishes). */
  public List<StatusView.Row> rowsOf(AccountSnapshot a) {
    Instant now = clock.instant();
    return a.verdicts().stream().map(v -> row(a, v, now)).toList();
  }

  /** Every row: this instance's accounts live, the others' as last published (an account this one guards wins). */
  private List<StatusView.Row> allRows(List<AccountSnapshot> snap, Instant now) {
    List<StatusView.Row> all = new ArrayList<>();
    Set<String> mine = new HashSet<>();
    for (AccountSnapshot a : snap) {
      mine.add(a.userId());
      for (PositionVerdict v : a.verdicts()) all.add(row(a, v, now));
    }
    for (StatusView.Row r : others.get()) if (!mine.contains(r.user())) all.add(r);
    return all;
  }

  /** The view for one query: filtered, sorted (bare first by default) and paged. */
  public StatusView view(StatusView.Query q) {
    Instant now = clock.instant();
    List<AccountSnapshot> snap = accounts.get();
    WatchHealth sum = summary.get();
    List<StatusView.Row> all = new ArrayList<>();
    int bare = 0;
    int ok = 0;
    for (StatusView.Row r : allRows(snap, now)) {
      if (r.bare()) bare++;
      else ok++;
      if (matches(r, q)) all.add(r);
    }
    all.sort(comparator(q.sort()));
    int pages = Math.max(1, (all.size() + StatusView.Query.PAGE_SIZE - 1) / StatusView.Query.PAGE_SIZE);
    int page = Math.min(Math.max(1, q.page()), pages);
    List<StatusView.Row> onPage = all.subList((page - 1) * StatusView.Query.PAGE_SIZE,
        Math.min(all.size(), page * StatusView.Query.PAGE_SIZE));
    shown.accept(onPage.stream().map(StatusView.Row::user).distinct().toList());
    return new StatusView(header(snap, sum, bare, ok), List.copyOf(onPage), all.size(), page, pages, q, incidents(q, now),
        TIME.format(now));
  }

  /**
   * One moment of the watcher: every row and the header made from the same snapshot, so the event
   * stream never sends a header that disagrees with the rows it sends with it.
   */
  public Frame frame() {
    List<AccountSnapshot> snap = accounts.get();
    List<StatusView.Row> all = allRows(snap, clock.instant());
    int bare = (int) all.stream().filter(StatusView.Row::bare).count();
    return new Frame(all, header(snap, summary.get(), bare, all.size() - bare));
  }

  /** Rows and header of one moment ({@link #frame}). */
  public final class Frame {
    private final List<StatusView.Row> all;
    private final StatusView.Header header;

    private Frame(List<StatusView.Row> all, StatusView.Header header) {
      this.all = all;
      this.header = header;
    }

    public StatusView.Header header() {
      return header;
    }

    /** The rows of one query, every page, sorted (the event stream diffs these). */
    public List<StatusView.Row> rows(StatusView.Query q) {
      List<StatusView.Row> out = new ArrayList<>();
      for (StatusView.Row r : all) if (matches(r, q)) out.add(r);
      out.sort(comparator(q.sort()));
      shown.accept(out.subList(0, Math.min(out.size(), StatusView.Query.PAGE_SIZE)).stream().map(StatusView.Row::user).distinct().toList());
      return out;
    }
  }

  /** One account's page: its key as stored (masked), its positions, its incidents. */
  public Optional<AccountView> account(String userId) {
    Instant now = clock.instant();
    AccountSnapshot a = accounts.get().stream().filter(x -> x.userId().equals(userId)).findFirst().orElse(null);
    List<KeyRow> keys = store.keys().list().stream().filter(k -> k.userId().equals(userId)).toList();
    if (a == null && keys.isEmpty()) return Optional.empty();
    shown.accept(List.of(userId));
    List<StatusView.Row> rows = a == null ? List.of() : a.verdicts().stream().map(v -> row(a, v, now))
        .sorted(comparator("risk")).toList();
    List<StatusView.IncidentRow> incidents = incidents(new StatusView.Query(userId, null, null, null, 1), now);
    return Optional.of(new AccountView(userId, keys, a == null ? t.get("notWatched") : watchedBy(a.webSocket()),
        a == null || a.lastOk() == null ? t.get("never") : t.age(Math.max(0, Duration.between(a.lastOk(), now).toSeconds())),
        a == null ? null : a.lastError(), rows, incidents,
        equity.apply(userId).map(e -> e.setScale(2, RoundingMode.HALF_UP).toPlainString() + " USDT").orElse("—")));
  }

  /** One account as its page shows it. */
  public record AccountView(String userId, List<KeyRow> keys, String watchedBy, String verifiedAgo,
      String lastError, List<StatusView.Row> rows, List<StatusView.IncidentRow> incidents, String equity) {}

  // ------------------------------------------------------------------ rows

  private StatusView.Row row(AccountSnapshot a, PositionVerdict v, Instant now) {
    Position p = v.position();
    boolean isLong = p.holdSide() == HoldSide.LONG;
    PlanOrder stop = v.stops().stream().filter(o -> o.triggerPrice() != null).findFirst().orElse(null);
    BigDecimal trigger = stop == null ? null : stop.triggerPrice();
    String distance = "—";
    String loss = "—";
    String lossEquity = "—";
    boolean toLiquidation = false;
    if (trigger != null && p.markPrice() != null && p.markPrice().signum() > 0) {
      BigDecimal d = (isLong ? p.markPrice().subtract(trigger) : trigger.subtract(p.markPrice()))
          .multiply(HUNDRED).divide(p.markPrice(), 2, RoundingMode.HALF_UP);
      distance = d.toPlainString() + " %";
    }
    // What the position makes or loses if the stop fires at its trigger (market execution, no slippage);
    // without a valid stop, what it loses if nothing stops it before liquidation.
    BigDecimal exit = trigger != null && v.verdict().isProtected() ? trigger : p.liquidationPrice();
    if (exit != null && exit.signum() > 0 && p.openPriceAvg() != null && p.total() != null) {
      BigDecimal pnl = (isLong ? exit.subtract(p.openPriceAvg()) : p.openPriceAvg().subtract(exit)).multiply(p.total())
          .setScale(2, RoundingMode.HALF_UP);
      loss = signed(pnl) + " USDT";
      toLiquidation = exit != trigger;
      Optional<BigDecimal> eq = equity.apply(a.userId());
      if (eq.isPresent() && eq.get().signum() > 0) {
        lossEquity = signed(pnl.multiply(HUNDRED).divide(eq.get(), 2, RoundingMode.HALF_UP)) + " %";
      }
    }
    String key = v.key();
    return new StatusView.Row(key, StatusView.Row.eventNameOf(key), a.userId(), p.symbol(), p.holdSide().name(),
        plain(p.total()), plain(p.openPriceAvg()), plain(p.markPrice()), plain(p.liquidationPrice()),
        trigger == null ? "—" : trigger.toPlainString(),
        stop == null ? "—" : stop.planType().wire() + " / " + (stop.triggerType() == null ? "?" : stop.triggerType()),
        distance, loss, lossEquity, toLiquidation, v.verdict().name(), t.reason(v),
        !v.verdict().isProtected(), watchedBy(a.webSocket()), a.lastOk() == null ? t.get("never") : CLOCK.format(a.lastOk()), instance,
        v.verdict().isProtected() ? "" : "./stopguard stop-orders --user " + AlertTexts.sh(a.userId()) + " --symbol "
            + AlertTexts.sh(p.symbol()) + " --direction " + p.holdSide().name() + " --dry-run");
  }

  private static boolean matches(StatusView.Row r, StatusView.Query q) {
    return (blank(q.user()) || r.user().equals(q.user()))
        && (blank(q.symbol()) || r.symbol().equalsIgnoreCase(q.symbol()))
        && (blank(q.verdict()) || r.verdict().equalsIgnoreCase(q.verdict()) || (q.verdict().equalsIgnoreCase("bare") && r.bare()));
  }

  static Comparator<StatusView.Row> comparator(String sort) {
    Comparator<StatusView.Row> byKey = Comparator.comparing(StatusView.Row::user).thenComparing(StatusView.Row::symbol)
        .thenComparing(StatusView.Row::side);
    Comparator<StatusView.Row> bareFirst = Comparator.comparing((StatusView.Row r) -> !r.bare());
    return switch (sort == null ? "risk" : sort) {
      case "user" -> byKey;
      case "symbol" -> Comparator.comparing(StatusView.Row::symbol).thenComparing(byKey);
      case "loss" -> bareFirst.thenComparing(r -> number(r.lossUsdt())).thenComparing(byKey);
      case "distance" -> bareFirst.thenComparing(r -> number(r.distance())).thenComparing(byKey);
      default -> bareFirst.thenComparing(StatusView.Row::verdict).thenComparing(byKey);
    };
  }

  /** "-12.50 USDT" → -12.50; "—" sorts last. */
  private static BigDecimal number(String s) {
    String n = s.replace(" USDT", "").replace(" %", "").replace("+", "").replace("−", "-");
    try {
      return new BigDecimal(n);
    } catch (NumberFormatException e) {
      return new BigDecimal("1e9");
    }
  }

  // ------------------------------------------------------------------ header and incidents

  private StatusView.Header header(List<AccountSnapshot> snap, WatchHealth sum, int bare, int ok) {
    List<String> unguarded = new ArrayList<>();
    for (Watcher.Unguarded u : sum.unguardedAccounts()) unguarded.add(u.userId() + " (" + u.key() + "): " + u.reason());
    int flag = store.flag(Store.FLAG_STOPLOSS_MISSING).map(f -> f.value()).orElse(0);
    Long oldest = sum.oldestReconcileSeconds();
    List<String> instances = new ArrayList<>();
    instances.add(instance);
    if (sum.fleet() != null && sum.fleet().liveInstances() > 1) instances.add("+" + (sum.fleet().liveInstances() - 1) + " (fleet)");
    Long budget = sum.requestsPerMinuteBudget();
    Long used = sum.requestsPerMinuteUsed();
    String share = used != null && budget != null && budget > 0 ? Math.round(used * 100.0 / budget) + " %" : "—";
    return new StatusView.Header(bare, ok, snap.size() - (int) snap.stream().filter(a -> a.lastOk() == null).count(), unguarded,
        store.incidents().open().size(), flag, oldest == null ? t.get("notAllSeen") : oldest + " " + t.get("sec"),
        sum.webSocketsLive(), sum.webSocketsMax(), share, instances, sum.degradedBecause());
  }

  /** The incidents of the last 24 h (and every open one) a query's page shows. */
  public List<StatusView.IncidentRow> incidents(StatusView.Query q) {
    return incidents(q, clock.instant());
  }

  private List<StatusView.IncidentRow> incidents(StatusView.Query q, Instant now) {
    List<Incident> list = new ArrayList<>(store.incidents().open());
    for (Incident i : store.incidents().detectedBetween(now.minus(Duration.ofHours(24)), now.plusSeconds(1))) {
      if (list.stream().noneMatch(x -> x.id() == i.id())) list.add(i);
    }
    list.removeIf(i -> !blank(q.user()) && !i.userId().equals(q.user()));
    list.sort(Comparator.comparing(Incident::detectedAt).reversed());
    List<StatusView.IncidentRow> out = new ArrayList<>();
    for (Incident i : list.subList(0, Math.min(50, list.size()))) {
      Instant ended = i.restoredAt() != null ? i.restoredAt() : i.resolvedAt();
      List<String> audit = new ArrayList<>();
      // this incident's own restore only: from its detection to its end (an earlier incident's rows are not its)
      for (AuditEntry e : store.journal().auditLog(i.userId(), i.detectedAt(), ended)) {
        if (e.symbol().equalsIgnoreCase(i.symbol()) && e.holdSide().equalsIgnoreCase(i.holdSide()) && "watch".equals(e.actor())) {
          audit.add(e.action() + " " + e.planType() + " @ " + e.triggerPrice() + " → " + e.result()
              + (e.detail() == null ? "" : " (" + e.detail() + ")"));
        }
      }
      out.add(new StatusView.IncidentRow(i.id(), i.key(), i.verdict(), state(i), time(i.detectedAt()), time(i.alertedAt()),
          time(i.restoringAt()), time(ended),
          i.bareSince() == null ? "—" : (i.bareSinceExact() ? "" : "≤ ") + t.seconds(Duration.between(i.bareSince(), i.detectedAt())),
          i.restoredAt() == null ? "—" : t.seconds(Duration.between(i.detectedAt(), i.restoredAt())),
          i.restoredBy() == null ? "" : i.restoredBy(), time(i.escalatedAt()), i.lastError() == null ? "" : i.lastError(),
          audit.size() > 10 ? audit.subList(audit.size() - 10, audit.size()) : audit));
    }
    return out;
  }

  private static String state(Incident i) {
    if (i.escalatedAt() != null && i.isOpen()) return "escalated";
    if (i.restoredAt() != null) return "restored";
    if (i.resolvedAt() != null) return i.resolution() != null && i.resolution().contains("fail") ? "failed" : "resolved";
    return i.restoringAt() != null ? "restoring" : i.alertedAt() != null ? "alerted" : "detected";
  }

  // ------------------------------------------------------------------ formatting

  private String watchedBy(String ws) {
    return "live".equals(ws) ? "WebSocket" : "polled".equals(ws) || "off".equals(ws) ? t.get("polled") : "WebSocket " + ws;
  }

  private static String time(Instant t) {
    return t == null ? "" : TIME.format(t);
  }

  private static String plain(BigDecimal d) {
    return d == null ? "—" : d.toPlainString();
  }

  private static String signed(BigDecimal d) {
    return (d.signum() > 0 ? "+" : d.signum() < 0 ? "−" : "") + d.abs().toPlainString();
  }

  private static boolean blank(String s) {
    return s == null || s.isEmpty();
  }
}
