package io.stopguard.status;

import io.stopguard.bitget.BitgetClient;
import io.stopguard.bitget.FuturesAccount;
import io.stopguard.guard.Timebase;
import java.math.BigDecimal;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Map;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each account's equity for the page's "% of equity". Asked of Bitget only for the accounts a page
 * being viewed shows ({@link #want}), at most once a minute each and one request a second in all
 * (60 a minute: 1 % of Bitget's per-IP budget, through the account's own client and so inside the
 * guard's budget). Never blocks a render: {@link #apply} only looks; until an answer the page shows "—".
 */
public final class EquityCache implements Function<String, Optional<BigDecimal>>, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EquityCache.class);
  static final long TTL_MS = 60_000;
  static final int MAX_QUEUED = 200;

  private record Entry(BigDecimal equity, long atMs) {}

  private final Function<String, Optional<BitgetClient>> clients;
  private final Map<String, Entry> cache = new ConcurrentHashMap<>();
  private final LinkedHashSet<String> queue = new LinkedHashSet<>();
  /** The page's part of the process's time: one fetch a second; closing ends it. */
  private final ScheduledExecutorService fetcher;
  private final Clock clock;

  public EquityCache(Function<String, Optional<BitgetClient>> clients, Timebase time) {
    this.clients = clients;
    this.clock = time.clock();
    this.fetcher = time.scheduler();
    fetcher.scheduleWithFixedDelay(this::fetchOne, 1, 1, TimeUnit.SECONDS);
  }

  /** The equity known for an account, if any (never asks Bitget). */
  @Override
  public Optional<BigDecimal> apply(String userId) {
    Entry e = cache.get(userId);
    return e == null ? Optional.empty() : Optional.ofNullable(e.equity());
  }

  /** The accounts a page shows now: those not known for a minute are asked for, one a second. */
  public void want(Collection<String> userIds) {
    long now = clock.millis();
    synchronized (queue) {
      for (String u : userIds) {
        Entry e = cache.get(u);
        if ((e == null || now - e.atMs() > TTL_MS) && queue.size() < MAX_QUEUED) queue.add(u);
      }
    }
  }

  private void fetchOne() {
    String userId;
    synchronized (queue) {
      var it = queue.iterator();
      if (!it.hasNext()) return;
      userId = it.next();
      it.remove();
    }
    BigDecimal equity = null;
    try {
      Optional<BitgetClient> client = clients.apply(userId);
      if (client.isEmpty()) return;
      BitgetClient c = client.get();
      for (FuturesAccount a : c.futuresAccounts()) {
        if (a.equity() != null && (a.marginCoin() == null || a.marginCoin().equalsIgnoreCase(c.marginCoin()))) equity = a.equity();
      }
    } catch (RuntimeException e) {
      log.debug("equity of {} not read: {}", userId, e.getMessage()); // the page shows "—"; protection does not depend on it
    }
    cache.put(userId, new Entry(equity, clock.millis()));
  }

  @Override
  public void close() {
    fetcher.shutdownNow();
  }
}
