package io.stopguard.guard;

import java.util.function.LongSupplier;
import io.stopguard.store.Leases;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which accounts a fleet member takes and offers each round (docs/FLEET.md, "How ownership works"):
 * claims free accounts up to the fair share at once (a free account is a bare one), offers what
 * exceeds 1.2 × the share as a hand-off (the owner guards it until it is claimed), moves accounts
 * holding positions to where a WebSocket is free, and gives back at once what this instance cannot
 * guard (keys it cannot decrypt, Bitget not answering it). Runs on the member's round, after the
 * renewal; a failure here fails only this step.
 */
final class FleetBalance {
  private static final Logger log = LoggerFactory.getLogger(FleetMember.class);

  /**
   * Accounts claimed per round at most: an unowned account is unguarded, so a takeover claims
   * everything up to the fair share at once (its WebSockets then connect at the pace of Bitget's
   * connect budget, polled until they do); this only bounds one statement's size.
   */
  static final int CLAIM_BATCH = 2_000;
  /** Accounts offered per round at most when rebalancing: owned accounts move gradually. */
  static final int RELEASE_BATCH = 50;

  private final Leases leases;
  private final String id;
  private final int ttlSeconds;
  private volatile int liveInstances;
  /** Accounts whose keys this instance cannot decrypt, as of the watcher's last key refresh: never claimed here. */
  private volatile Set<String> undecryptable = Set.of();
  /** Why this instance cannot guard any account now (Bitget has not answered it for a lease TTL), or null. */
  private volatile String unable;
  /** The first round only announces this instance: instances started together then see each other before claiming. */
  private boolean announced;

  /** This instance's egress address (--source-ip), or null: keys bound elsewhere are not claimed from it. */
  private final String egress;
  private final LongSupplier nanoTime;

  FleetBalance(Leases leases, String id, int ttlSeconds, String egress, LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
    this.egress = egress;
    this.leases = leases;
    this.id = id;
    this.ttlSeconds = ttlSeconds;
  }

  /** When this instance last passed the fence for an account (nanoTime): its send window. */
  private final Map<String, Long> acted = new ConcurrentHashMap<>();
  /** Offers being written now (the database may already have them). */
  private volatile Map<String, Integer> offering = Map.of();

  void actedOn(String userId, long nanos) {
    acted.put(userId, nanos);
  }

  /** Offered, or about to be: another instance may claim it at any moment. */
  boolean offeredOrOffering(String userId) {
    return offered.containsKey(userId) || offering.containsKey(userId);
  }

  /** Accounts whose keys answered 40018 to this instance: never claimed here again while it runs. */
  private final Set<String> boundElsewhere = ConcurrentHashMap.newKeySet();

  private Set<String> avoid(FleetMember.Guarding g) {
    Set<String> a = new HashSet<>(g.undecryptable());
    a.addAll(boundElsewhere);
    return a;
  }

  int liveInstances() {
    return liveInstances;
  }

  Set<String> undecryptable() {
    return undecryptable;
  }

  String unable() {
    return unable;
  }

  Map<String, Integer> offered() {
    return offered;
  }

  /** Claims up to the fair share, gives back above 1.2 × it, and gives back what this instance cannot decrypt. */
  void balance(Map<String, Long> now, FleetMember.Guarding g, boolean paused, int unowned) {
    if (!paused && g.sinceBitgetAnsweredMs() >= ttlSeconds * 1000L) {
      // Holding a lease must mean guarding: an instance Bitget does not answer (its egress blocked or
      // refused, its IP banned) gives everything back, so instances that reach Bitget take over.
      String why = "Bitget has not answered this instance for " + g.sinceBitgetAnsweredMs() / 1000 + " s";
      if (unable == null || !now.isEmpty()) {
        log.warn("fleet: {}: gave back its {} account(s) so that instances Bitget answers guard them", why, now.size());
      }
      unable = why;
      if (!now.isEmpty()) {
        leases.release(id, new ArrayList<>(now.keySet()));
        now.clear();
      }
      offered = Map.of(); // a release ends offers too
      return;
    }
    if (unable != null) log.info("fleet: Bitget answers this instance again; it takes its share");
    unable = null;
    if (!g.undecryptable().equals(undecryptable) && !g.undecryptable().isEmpty()) {
      log.warn("fleet: this instance cannot decrypt the keys of {} account(s) (another master key?); it leaves them to"
          + " instances that can", g.undecryptable().size());
    }
    undecryptable = g.undecryptable();
    List<String> cannot = now.keySet().stream().filter(g.undecryptable()::contains).sorted().toList();
    if (!cannot.isEmpty()) {
      leases.release(id, cannot);
      cannot.forEach(now::remove);
      log.warn("fleet: gave back {} account(s) whose keys this instance cannot decrypt (another master key?), so an"
          + " instance that can guards them: {}", cannot.size(), String.join(" ", cannot));
    }
    // Bitget 40018 here: the key is bound to other addresses. Given back, and never claimed again by
    // this instance while it runs, so one whose address the key allows takes it.
    boundElsewhere.addAll(g.boundElsewhere());
    List<String> elsewhere = now.keySet().stream().filter(boundElsewhere::contains).sorted().toList();
    if (!elsewhere.isEmpty()) {
      leases.release(id, elsewhere);
      elsewhere.forEach(now::remove);
      log.warn("fleet: gave back {} account(s) whose keys Bitget refuses from this instance's address (40018: bound to"
          + " other addresses), so an instance the key allows guards them: {}", elsewhere.size(), String.join(" ", elsewhere));
    }
    int live = Math.max(1, leases.liveInstances(ttlSeconds));
    int total = leases.accounts();
    int fair = (total + live - 1) / live;
    int high = (int) Math.ceil(1.2 * total / live);
    liveInstances = live;
    if (!announced) {
      announced = true; // claim from the next round on, when the others starting now have heartbeated too
      return;
    }
    Map<String, Integer> offers = new LinkedHashMap<>();
    if (now.size() < fair || (unowned > 0 && now.size() <= high)) {
      // Up to the fair share: anything free, then what others offer. Beyond it, only what has been
      // free for a whole TTL, which no instance under its share wanted (the others cannot guard it):
      // a free account is bare.
      int want = Math.min(Math.max(0, fair - now.size()), CLAIM_BATCH);
      Map<String, Long> got = new LinkedHashMap<>(leases.claim(id, want, ttlSeconds, avoid(g), false, List.of(), egress));
      if (got.size() < want) {
        got.putAll(leases.claim(id, want - got.size(), ttlSeconds, avoid(g), false, List.of(OFFER_COUNT), egress));
      }
      if (unowned > 0) got.putAll(leases.claim(id, CLAIM_BATCH, ttlSeconds, avoid(g), true, List.of(), egress));
      claimed(got, "");
      now.putAll(got);
    } else if (now.size() > high || (now.size() > fair && starving(fair))) {
      // Offered, not released: this instance guards them until another claims them (a hand-off, no
      // bare gap). Accounts without positions first: they need no WebSocket where they go.
      List<String> give = new ArrayList<>(now.keySet());
      give.sort(Comparator.comparing((String u) -> g.positioned().contains(u)).thenComparing(Comparator.reverseOrder()));
      for (String u : give.subList(0, Math.min(now.size() - fair, RELEASE_BATCH))) offers.put(u, OFFER_COUNT);
    }
    balancePositions(now, g, offers);
    // Not offered while this instance may still be sending for it (a taker would act at once).
    long windowNanos = TimeUnit.SECONDS.toNanos(Math.max(1, ttlSeconds / 3));
    long t = nanoTime.getAsLong();
    offers.keySet().removeIf(u -> {
      Long at = acted.get(u);
      return at != null && t - at < windowNanos;
    });
    acted.values().removeIf(at -> t - at >= windowNanos);
    if (!offers.equals(offered)) {
      // Memory says "offered" before the database does, and stops saying it only after: an account
      // that may be claimed at any moment is never placed for without the store (FleetMember).
      offering = Map.copyOf(offers);
      leases.offer(id, offers);
      if (!offers.isEmpty()) {
        log.info("fleet: offers {} account(s) to balance {} instance(s) (guarded here until taken): {}", offers.size(), live,
            String.join(" ", offers.keySet().stream().limit(50).toList()));
      }
      offered = Map.copyOf(offers);
      offering = Map.of();
    }
  }

  /** Kinds of offer (account_leases.offered): to an instance under its fair share; positions for evenness; positions polled here. */
  static final int OFFER_COUNT = 1;
  static final int OFFER_POSITIONS = 2;
  static final int OFFER_POLLED = 3;
  /** What this instance offers, as last written. */
  private volatile Map<String, Integer> offered = Map.of();

  private void claimed(Map<String, Long> got, String why) {
    if (got.isEmpty()) return;
    log.info("fleet: claimed {} account(s): {}{}", got.size(), got.size() <= 50 ? String.join(" ", got.keySet())
        : String.join(" ", new ArrayList<>(got.keySet()).subList(0, 50)) + " …", why);
  }

  /** This instance's positions among what it holds now, for the heartbeat. */
  static Leases.Positions positionsOf(Map<String, Long> now, FleetMember.Guarding g) {
    int positioned = (int) g.positioned().stream().filter(now::containsKey).count();
    int polled = (int) g.polledPositioned().stream().filter(now::containsKey).count();
    return new Leases.Positions(positioned, polled, Math.max(0, g.webSocketRoom()));
  }

  /**
   * Accounts that hold positions are the ones a WebSocket protects: no position is polled here while
   * another instance has WebSocket room (offered to it), and positions spread evenly (an instance
   * with more than one over its share of positions offers the excess to instances under it that have
   * room). Takers claim offered positioned accounts only while they have WebSocket room, so an
   * account never moves to where it would be polled. Count balancing then gives back accounts
   * without positions.
   */
  private void balancePositions(Map<String, Long> now, FleetMember.Guarding g, Map<String, Integer> offers) {
    // Until every held account has been looked at, this instance does not know its positions: it
    // neither offers nor takes by them (taking on a stale count overshoots, and the counts then swing).
    if (now.keySet().stream().anyMatch(u -> !g.guarded().contains(u) || g.notYetLooked().contains(u))) return;
    List<Leases.PositionShare> shares = leases.positionShares(ttlSeconds);
    int total = shares.stream().mapToInt(s -> s.positions().positioned()).sum();
    int fairPositions = (total + Math.max(1, shares.size()) - 1) / Math.max(1, shares.size());
    List<String> mine = g.positioned().stream().filter(now::containsKey).sorted().toList();
    List<String> polled = g.polledPositioned().stream().filter(now::containsKey).sorted().toList();
    int roomElsewhere = shares.stream().filter(s -> !s.instanceId().equals(id) && s.positions().polled() == 0)
        .mapToInt(s -> s.positions().webSocketRoom()).sum();
    if (!polled.isEmpty() && roomElsewhere > 0) {
      for (String u : polled.subList(0, Math.min(polled.size(), Math.min(roomElsewhere, RELEASE_BATCH)))) offers.put(u, OFFER_POLLED);
    } else if (mine.size() > fairPositions + 1) {
      List<String> give = new ArrayList<>(polled);
      mine.stream().filter(u -> !polled.contains(u)).forEach(give::add);
      for (String u : give.subList(0, Math.min(mine.size() - fairPositions, RELEASE_BATCH))) offers.put(u, OFFER_POSITIONS);
    }
    int room = g.webSocketRoom();
    if (!polled.isEmpty() || room <= 0) return;
    Map<String, Long> got = new LinkedHashMap<>(leases.claim(id, Math.min(room, RELEASE_BATCH), ttlSeconds, avoid(g),
        false, List.of(OFFER_POLLED), egress));
    // a dead band of one each side of the share: offered above share + 1, taken below share - 1
    int evenly = mine.size() < fairPositions - 1 ? Math.min(room - got.size(), fairPositions - mine.size() - got.size()) : 0;
    if (evenly > 0) got.putAll(leases.claim(id, evenly, ttlSeconds, avoid(g), false, List.of(OFFER_POSITIONS), egress));
    claimed(got, " (with positions, for this instance's WebSocket room)");
    got.keySet().forEach(offers::remove);
    now.putAll(got);
  }

  /**
   * Some live instance that could take any account holds two or more fewer than the fair share:
   * give back down to the share even below 1.2 × it. Without this, from about five instances on a
   * joining one gets nothing (the others all sit at or under 1.2 × the new share).
   */
  private boolean starving(int fair) {
    int fewest = leases.fewestHeld(ttlSeconds);
    return fewest >= 0 && fewest < fair - 1;
  }
}
