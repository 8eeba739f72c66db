package io.stopguard.check;

import io.stopguard.bitget.HttpClients;
import io.stopguard.bitget.BitgetClient;
import io.stopguard.bitget.Credentials;
import io.stopguard.bitget.ServerClock;
import io.stopguard.bitget.BitgetException;
import io.stopguard.bitget.IpBudget;
import io.stopguard.bitget.PlanOrder;
import io.stopguard.bitget.PlanType;
import io.stopguard.bitget.Position;
import io.stopguard.risk.Policy;
import io.stopguard.risk.Protection;
import io.stopguard.store.ExchangeKey;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * Fetches every account's positions and pending TPSL orders (2 REST calls per account, whatever
 * the number of positions) and hands them to {@link Protection}. Accounts are fetched
 * concurrently on virtual threads, at most {@code parallelism} at a time.
 */
public final class StopLossCheck implements AutoCloseable {
  private final URI baseUrl;
  private final HttpClient http;
  private final Duration timeout;
  private final int parallelism;
  private final Policy policy;
  private final IpBudget ipBudget;
  private final InetAddress localAddress;

  /** Drawing on the process's budget at Bitget's per-IP limits ({@link IpBudget#shared()}). */
  public StopLossCheck(URI baseUrl, Duration timeout, int parallelism, Policy policy) {
    this(baseUrl, timeout, parallelism, policy, IpBudget.shared());
  }

  private final ServerClock serverClock = new ServerClock();

  /** @param ipBudget one budget for every account's client: they all leave through this host's IP */
  public StopLossCheck(URI baseUrl, Duration timeout, int parallelism, Policy policy, IpBudget ipBudget) {
    this(baseUrl, timeout, parallelism, policy, ipBudget, null);
  }

  /** @param localAddress the local address every connection leaves from (an egress IP), or null for the system's choice */
  public StopLossCheck(URI baseUrl, Duration timeout, int parallelism, Policy policy, IpBudget ipBudget,
      InetAddress localAddress) {
    this.localAddress = localAddress;
    this.ipBudget = ipBudget;
    this.baseUrl = baseUrl;
    this.policy = policy;
    this.timeout = timeout;
    this.parallelism = parallelism;
    HttpClient.Builder b = HttpClients.forBase(baseUrl, timeout);
    if (localAddress != null) b.localAddress(localAddress);
    this.http = b.build();
  }

  /** The local address connections leave from, or null. */
  public InetAddress localAddress() {
    return localAddress;
  }

  /**
   * Stops the HTTP client's selector thread. A one-off command must do this before it exits: the JVM
   * waits up to 300 ms at exit for threads still in native code, and that thread sits in epoll_wait.
   */
  @Override
  public void close() {
    http.shutdownNow();
  }

  /** Checks the given keys concurrently; never touches the store (see {@link CheckService}). */
  public CheckReport run(List<ExchangeKey> keys) {
    Semaphore permits = new Semaphore(parallelism);
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<AccountResult>> futures = new ArrayList<>();
      for (ExchangeKey k : keys) {
        futures.add(pool.submit(() -> {
          permits.acquire();
          try {
            return checkAccount(k);
          } finally {
            permits.release();
          }
        }));
      }
      List<AccountResult> results = new ArrayList<>();
      for (Future<AccountResult> f : futures) results.add(f.get());
      return new CheckReport(results);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("check interrupted", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("check failed: " + e.getCause(), e.getCause());
    }
  }

  /** A client for one stored key, sharing this check's HTTP client, IP budget and measure of Bitget's clock. */
  public BitgetClient client(ExchangeKey k) {
    return BitgetClient.builder().baseUrl(baseUrl).credentials(k.credentials())
        .demoTrading(k.demoTrading()).httpClient(http).timeout(timeout).ipBudget(ipBudget).serverClock(serverClock).build();
  }

  /** Bitget's clock as every client of this check signs with it. */
  public ServerClock serverClock() {
    return serverClock;
  }

  /**
   * Measures Bitget's clock over its public time endpoint (no key needed) for every client of this
   * check; returns the offset (Bitget minus local) in ms.
   */
  public long syncClock() {
    return BitgetClient.builder().baseUrl(baseUrl).credentials(new Credentials("time-only", "-", "-")).httpClient(http)
        .timeout(timeout).ipBudget(ipBudget).serverClock(serverClock).maxRetries(1).build().syncClock();
  }

  /** The per-IP budget every client of this check shares. */
  public IpBudget ipBudget() {
    return ipBudget;
  }

  private AccountResult checkAccount(ExchangeKey k) {
    BitgetClient client = client(k);
    try {
      List<Position> positions = client.allPositions();
      List<PlanOrder> plans = client.pendingPlanOrders(PlanType.Query.PROFIT_LOSS, null);
      return new AccountResult(k.userId(), k.credentials().maskedKey(), Protection.evaluate(k.userId(), positions, plans, policy), null);
    } catch (BitgetException e) {
      return new AccountResult(k.userId(), k.credentials().maskedKey(), List.of(), e);
    }
  }
}
