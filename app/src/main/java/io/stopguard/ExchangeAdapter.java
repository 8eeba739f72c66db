package io.stopguard;

import io.stopguard.bitget.BitgetClient;
import io.stopguard.bitget.Credentials;
import io.stopguard.bitget.HoldSide;
import io.stopguard.bitget.PlanOrder;
import io.stopguard.bitget.PlanType;
import io.stopguard.bitget.Position;
import io.stopguard.restore.PlacedStop;
import io.stopguard.restore.StopPlacer;
import io.stopguard.restore.StopRequest;
import java.math.BigDecimal;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The runbook's {@code ExchangeAdapter}, for Java callers: one exchange account, asynchronous.
 *
 * <pre>{@code
 * try (ExchangeAdapter adapter = new ExchangeAdapter("bitget",
 *     Map.of("apiKey", key, "secret", secret, "passphrase", pass), false, "futures")) {
 *   PlacedStop stop = adapter.placeStopLossOrder("DASHUSDT", "SHORT", new BigDecimal("0.21"),
 *       new BigDecimal("70.43")).join();
 * }
 * }</pre>
 *
 * Placement goes through the same checks as {@code stopguard place-stop}: side, tick, size, mark
 * and liquidation price before any request; deterministic clientOid; confirmation in
 * orders-plan-pending. Failures complete the future exceptionally with
 * {@link io.stopguard.restore.StopRejectedException} (refused before sending) or
 * {@link io.stopguard.bitget.BitgetException} (Bitget's code and a hint).
 */
public final class ExchangeAdapter implements AutoCloseable {
  private final BitgetClient client;
  private final StopPlacer placer;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

  /**
   * @param exchange  {@code "bitget"}
   * @param keys      {@code apiKey}, {@code secret} and {@code passphrase}
   * @param sandbox   Bitget demo trading (paptrading header, SUSDT-FUTURES)
   * @param tradeMode {@code "futures"} (USDT-M perpetuals)
   */
  public ExchangeAdapter(String exchange, Map<String, String> keys, boolean sandbox, String tradeMode) {
    this(exchange, keys, sandbox, tradeMode, baseUrlFromEnv());
  }

  /** As above, against another endpoint (e.g. the simulator). */
  public ExchangeAdapter(String exchange, Map<String, String> keys, boolean sandbox, String tradeMode, URI baseUrl) {
    if (!"bitget".equalsIgnoreCase(exchange)) throw new IllegalArgumentException("unsupported exchange: " + exchange);
    if (!"futures".equalsIgnoreCase(tradeMode)) throw new IllegalArgumentException("unsupported trade mode: " + tradeMode);
    Credentials c = new Credentials(required(keys, "apiKey"), required(keys, "secret"), required(keys, "passphrase"));
    this.client = BitgetClient.builder().baseUrl(baseUrl).credentials(c).demoTrading(sandbox).build();
    this.placer = new StopPlacer(client, "api:" + c.maskedKey(), "api", entry -> { });
  }

  /** Places a stop-loss for the position; {@code direction} LONG or SHORT. */
  public CompletableFuture<PlacedStop> placeStopLossOrder(String symbol, String direction, BigDecimal positionAmount,
      BigDecimal stopPrice) {
    StopRequest r = new StopRequest(symbol.toUpperCase(Locale.ROOT), HoldSide.parse(direction), positionAmount, stopPrice,
        false);
    return async(() -> placer.place(r));
  }

  public CompletableFuture<List<Position>> positions() {
    return async(client::allPositions);
  }

  /** Pending TPSL orders (stop-losses and take-profits) of one symbol, or all when null. */
  public CompletableFuture<List<PlanOrder>> stopOrders(String symbol) {
    return async(() -> client.pendingPlanOrders(PlanType.Query.PROFIT_LOSS, symbol));
  }

  @Override
  public void close() {
    executor.shutdown();
  }

  private <T> CompletableFuture<T> async(Supplier<T> s) {
    return CompletableFuture.supplyAsync(s, executor);
  }

  private static URI baseUrlFromEnv() {
    String env = System.getenv("STOPGUARD_BITGET_BASE_URL");
    return env == null || env.isBlank() ? BitgetClient.DEFAULT_BASE_URL : URI.create(env);
  }

  private static String required(Map<String, String> keys, String name) {
    String v = keys.get(name);
    if (v == null || v.isBlank()) throw new IllegalArgumentException("keys." + name + " is required");
    return v;
  }
}
