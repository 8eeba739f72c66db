package io.stopguard.status;

import com.fasterxml.jackson.databind.JsonNode;
import io.stopguard.bitget.BitgetClient;
import java.math.BigDecimal;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each account's equity for the page's "% of equity", asked of Bitget only for accounts the page
 * shows, at most once a minute each and two at a time (through the account's own client, so inside
 * the IP budget). Never blocks a render: until the first answer the page shows "—".
 */
public final class EquityCache implements Function<String, Optional<BigDecimal>>, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EquityCache.class);
  static final long TTL_MS = 60_000;

  private record Entry(BigDecimal equity, long atMs) {}

  private final Function<String, Optional<BitgetClient>> clients;
  private final Map<String, Entry> cache = new ConcurrentHashMap<>();
  private final Set<String> pending = ConcurrentHashMap.newKeySet();
  private final Semaphore inFlight = new Semaphore(2);
  private final ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();

  public EquityCache(Function<String, Optional<BitgetClient>> clients) {
    this.clients = clients;
  }

  @Override
  public Optional<BigDecimal> apply(String userId) {
    Entry e = cache.get(userId);
    if ((e == null || System.currentTimeMillis() - e.atMs() > TTL_MS) && pending.add(userId)) {
      pool.submit(() -> refresh(userId));
    }
    return e == null ? Optional.empty() : Optional.ofNullable(e.equity());
  }

  private void refresh(String userId) {
    try {
      inFlight.acquire();
      try {
        Optional<BitgetClient> client = clients.apply(userId);
        if (client.isEmpty()) return;
        BitgetClient c = client.get();
        BitgetClient.RawAnswer r = c.raw("GET", "/api/v2/mix/account/accounts", Map.of("productType", c.productType()), null);
        BigDecimal equity = null;
        if (r.ok()) {
          for (JsonNode a : r.data()) {
            String v = a.path("accountEquity").asText(a.path("usdtEquity").asText(""));
            if (!v.isEmpty()) equity = new BigDecimal(v);
          }
        } else {
          log.debug("equity of {}: Bitget {} {}", userId, r.code(), r.msg());
        }
        cache.put(userId, new Entry(equity, System.currentTimeMillis()));
      } finally {
        inFlight.release();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      log.debug("equity of {} not read: {}", userId, e.getMessage()); // the page shows "—"; protection does not depend on it
      cache.put(userId, new Entry(null, System.currentTimeMillis()));
    } finally {
      pending.remove(userId);
    }
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
