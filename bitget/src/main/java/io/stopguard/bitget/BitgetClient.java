package io.stopguard.bitget;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client for Bitget's v2 USDT-M futures REST API: signed requests, Bitget's envelope, typed
 * values and typed errors. Thread-safe; one instance per API key.
 *
 * <pre>{@code
 * BitgetClient c = BitgetClient.builder().credentials(new Credentials(key, secret, pass)).build();
 * List<Position> positions = c.allPositions();
 * }</pre>
 */
public final class BitgetClient {
  public static final URI DEFAULT_BASE_URL = URI.create("https://api.bitget.com");
  /** Largest answer read (a full page of 100 plan orders is ~60 KB; this leaves room, not a heap). */
  static final int MAX_BODY_BYTES = 4 * 1024 * 1024;
  /** Bitget's maximum page size for orders-plan-pending. */
  static final int PLAN_PAGE_LIMIT = 100;

  private static final Logger log = LoggerFactory.getLogger(BitgetClient.class);
  static final ObjectMapper JSON = JsonMapper.builder()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .build();

  static {
    // Bitget sends "" for absent numbers (e.g. callbackRatio, executePrice): read them as null.
    JSON.coercionConfigDefaults().setCoercion(CoercionInputShape.EmptyString, CoercionAction.AsNull);
  }

  private final URI baseUrl;
  private final Credentials credentials;
  private final boolean demoTrading;
  private final HttpClient http;
  private final Duration timeout;
  private final LongSupplier clock;
  private final AtomicLong clockOffsetMillis = new AtomicLong();
  private final RateLimiter limiter = new RateLimiter(0.9);
  private final IpBudget ipBudget;
  private final int maxRetries;

  private BitgetClient(Builder b) {
    this.baseUrl = stripTrailingSlash(b.baseUrl);
    this.credentials = b.credentials;
    this.demoTrading = b.demoTrading;
    this.http = b.httpClient != null ? b.httpClient
        : HttpClient.newBuilder().connectTimeout(b.timeout).version(HttpClient.Version.HTTP_1_1).build();
    this.timeout = b.timeout;
    this.clock = b.clock;
    this.maxRetries = b.maxRetries;
    this.ipBudget = b.ipBudget != null ? b.ipBudget : IpBudget.shared();
  }

  public static Builder builder() {
    return new Builder();
  }

  public URI baseUrl() {
    return baseUrl;
  }

  public boolean demoTrading() {
    return demoTrading;
  }

  public String productType() {
    return ProductType.USDT_FUTURES.wire(demoTrading);
  }

  public String marginCoin() {
    return ProductType.USDT_FUTURES.marginCoin(demoTrading);
  }

  // ---------------------------------------------------------------- public endpoints

  /** Bitget's clock, ms since the epoch ({@code GET /api/v2/public/time}). */
  public long serverTime() {
    JsonNode data = call("GET", "/api/v2/public/time", Map.of(), null, false);
    return Long.parseLong(data.path("serverTime").asText());
  }

  /**
   * Measures the offset between Bitget's clock and ours (server minus local, at the request's
   * midpoint) and applies it to every later signature. Returns the offset in ms.
   */
  public long syncClock() {
    long t0 = clock.getAsLong();
    long server = serverTime();
    long t1 = clock.getAsLong();
    long offset = server - (t0 + t1) / 2;
    clockOffsetMillis.set(offset);
    return offset;
  }

  public long clockOffsetMillis() {
    return clockOffsetMillis.get();
  }

  /** Every USDT-M contract with its tick rules. */
  public List<Contract> contracts() {
    return read(call("GET", "/api/v2/mix/market/contracts", Map.of("productType", productType()), null, false),
        new TypeReference<>() {});
  }

  /** Last, mark and index price of one symbol ({@code ticker}). */
  public Ticker ticker(String symbol) {
    List<Ticker> t = read(call("GET", "/api/v2/mix/market/ticker", Map.of("productType", productType(), "symbol", symbol),
        null, false), new TypeReference<>() {});
    if (t.isEmpty()) throw new BitgetTransportException("ticker for " + symbol + ": empty answer", false, null);
    return t.get(0);
  }

  // ---------------------------------------------------------------- private endpoints

  /** The account's position mode ({@code account}, one symbol suffices: the mode is account-wide). */
  public PosMode positionMode(String symbol) {
    JsonNode data = call("GET", "/api/v2/mix/account/account",
        Map.of("productType", productType(), "symbol", symbol, "marginCoin", marginCoin()), null, true);
    return PosMode.parse(data.path("posMode").asText());
  }

  /** Open positions of one symbol ({@code single-position}): long and short in hedge mode. */
  public List<Position> singlePosition(String symbol) {
    return read(call("GET", "/api/v2/mix/position/single-position",
        Map.of("productType", productType(), "symbol", symbol, "marginCoin", marginCoin()), null, true),
        new TypeReference<>() {});
  }

  /**
   * The position's stop-loss through {@code place-pos-tpsl} (market, mark price). Same effect as a
   * {@code pos_loss} placed with {@link #placeTpslOrder}; Bitget assigns the client order id.
   */
  public List<PlacedOrder> placePositionStopLoss(String symbol, HoldSide side, PosMode mode, java.math.BigDecimal trigger) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("marginCoin", marginCoin());
    body.put("productType", productType());
    body.put("symbol", symbol);
    body.put("holdSide", side.tpslHoldSide(mode));
    body.put("stopLossTriggerPrice", trigger.toPlainString());
    body.put("stopLossTriggerType", "mark_price");
    return read(call("POST", "/api/v2/mix/order/place-pos-tpsl", Map.of(), body, true), new TypeReference<>() {});
  }

  /** Every open position of the account ({@code all-position}), one call. */
  public List<Position> allPositions() {
    JsonNode data = call("GET", "/api/v2/mix/position/all-position",
        Map.of("productType", productType(), "marginCoin", marginCoin()), null, true);
    return read(data, new TypeReference<>() {});
  }

  /**
   * Every pending plan order of the given category, following {@code endId} until the list is
   * exhausted. With {@link PlanType.Query#PROFIT_LOSS} this is one call for up to 100 orders.
   *
   * @param symbol restrict to one symbol, or null for all
   */
  public List<PlanOrder> pendingPlanOrders(PlanType.Query query, String symbol) {
    List<PlanOrder> out = new ArrayList<>();
    Set<String> seenCursors = new HashSet<>();
    String idLessThan = null;
    while (true) {
      Map<String, String> params = new LinkedHashMap<>();
      params.put("productType", productType());
      params.put("planType", query.wire());
      params.put("limit", Integer.toString(PLAN_PAGE_LIMIT));
      if (symbol != null) params.put("symbol", symbol);
      if (idLessThan != null) params.put("idLessThan", idLessThan);
      JsonNode data = call("GET", "/api/v2/mix/order/orders-plan-pending", params, null, true);
      JsonNode list = data.path("entrustedList");
      List<PlanOrder> page = list.isArray() ? read(list, new TypeReference<List<PlanOrder>>() {}) : List.of();
      out.addAll(page);
      String endId = data.path("endId").asText("");
      // A short page is the last one; a repeated cursor would loop forever on a buggy server.
      if (page.size() < PLAN_PAGE_LIMIT || endId.isEmpty() || !seenCursors.add(endId)) return out;
      idLessThan = endId;
    }
  }

  /** The pending plan order with this client order id, if any (one call). */
  public java.util.Optional<PlanOrder> pendingPlanOrderByClientOid(String symbol, String clientOid) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("productType", productType());
    params.put("planType", PlanType.Query.PROFIT_LOSS.wire());
    params.put("clientOid", clientOid);
    if (symbol != null) params.put("symbol", symbol);
    JsonNode list = call("GET", "/api/v2/mix/order/orders-plan-pending", params, null, true).path("entrustedList");
    if (!list.isArray()) return java.util.Optional.empty();
    List<PlanOrder> page = read(list, new TypeReference<List<PlanOrder>>() {});
    return page.stream().filter(o -> clientOid.equals(o.clientOid())).findFirst();
  }

  /**
   * Moves an existing TPSL order ({@code modify-tpsl-order}): new trigger price, and for partial
   * types a new size. The order keeps its id, so the position is never without a stop meanwhile.
   */
  public PlacedOrder modifyTpslOrder(String orderId, String symbol, java.math.BigDecimal triggerPrice, String triggerType,
      java.math.BigDecimal size) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("orderId", orderId);
    body.put("marginCoin", marginCoin());
    body.put("productType", productType());
    body.put("symbol", symbol);
    body.put("triggerPrice", triggerPrice.toPlainString());
    body.put("triggerType", triggerType);
    body.put("executePrice", "0");
    body.put("size", size == null ? "" : size.toPlainString());
    return read(call("POST", "/api/v2/mix/order/modify-tpsl-order", Map.of(), body, true), new TypeReference<>() {});
  }

  /** The exact JSON body {@link #placeTpslOrder} would send for this order (dry runs, audit). */
  public String requestBody(TpslOrder order) {
    try {
      return JSON.writeValueAsString(order.body(productType(), marginCoin()));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot serialise request body", e);
    }
  }

  /** Places one TPSL order ({@code place-tpsl-order}). Not retried here: see {@link BitgetTransportException}. */
  public PlacedOrder placeTpslOrder(TpslOrder order) {
    JsonNode data = call("POST", "/api/v2/mix/order/place-tpsl-order", Map.of(),
        order.body(productType(), marginCoin()), true);
    return read(data, new TypeReference<>() {});
  }

  /**
   * Cancels plan orders by id ({@code cancel-plan-order}). TPSL orders need their {@code planType}
   * (e.g. pos_loss): Bitget answers with an empty success list otherwise.
   */
  public CancelResult cancelPlanOrders(String symbol, PlanType planType, List<String> orderIds) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("productType", productType());
    body.put("symbol", symbol);
    body.put("marginCoin", marginCoin());
    List<Map<String, String>> ids = new ArrayList<>();
    for (String id : orderIds) ids.add(Map.of("orderId", id));
    body.put("orderIdList", ids);
    if (planType != null) body.put("planType", planType.wire());
    return read(call("POST", "/api/v2/mix/order/cancel-plan-order", Map.of(), body, true), new TypeReference<>() {});
  }

  /**
   * One signed request with Bitget's answer as it came, error or not: for tools that record what
   * the exchange says (the probe). Writes are sent once; transport failures still throw.
   */
  public RawAnswer raw(String method, String path, Map<String, String> params, Object body) {
    try {
      return new RawAnswer(200, "00000", "success", call(method, path, params, body, true));
    } catch (BitgetApiException e) {
      return new RawAnswer(e.httpStatus(), e.code(), e.msg(), null);
    }
  }

  /** An answer as Bitget gave it: HTTP status, code, msg, and {@code data} on success (null otherwise). */
  public record RawAnswer(int status, String code, String msg, JsonNode data) {
    public boolean ok() {
      return "00000".equals(code);
    }
  }

  // ---------------------------------------------------------------- transport

  /**
   * One request under the UID's rate limit. Reads are retried with jittered back-off on 429, 5xx
   * and network errors; placements and other writes never are (see {@link BitgetTransportException}).
   */
  private JsonNode call(String method, String path, Map<String, String> params, Object body, boolean signed) {
    boolean retryable = method.equals("GET");
    for (int attempt = 0; ; attempt++) {
      try {
        limiter.acquire(path);
        ipBudget.acquire();
        return callOnce(method, path, params, body, signed);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BitgetTransportException(method + " " + path + ": interrupted", false, e);
      } catch (BitgetException e) {
        if (!retryable || attempt >= maxRetries || e.kind() != ErrorKind.RETRYABLE) throw e;
        // 429: Bitget's windows are one second, so wait for the next one; otherwise back off quickly.
        boolean throttled = e instanceof BitgetApiException api && (api.httpStatus() == 429 || "429".equals(api.code()));
        long backoff = (throttled ? 1000L : 100L << attempt) + java.util.concurrent.ThreadLocalRandom.current().nextLong(200);
        log.debug("{} {} failed ({}), retry {} in {} ms", method, path, e.getMessage(), attempt + 1, backoff);
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  private JsonNode callOnce(String method, String path, Map<String, String> params, Object body, boolean signed) {
    // Sorted and percent-encoded, like ccxt: the exact string sent is the string signed.
    StringBuilder q = new StringBuilder();
    for (Map.Entry<String, String> p : new TreeMap<>(params).entrySet()) {
      if (!q.isEmpty()) q.append('&');
      q.append(encode(p.getKey())).append('=').append(encode(p.getValue()));
    }
    String query = q.toString();
    String bodyText = null;
    if (body != null) {
      try {
        bodyText = JSON.writeValueAsString(body);
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException("cannot serialise request body", e);
      }
    }
    URI uri = URI.create(baseUrl + path + (query.isEmpty() ? "" : "?" + query));
    HttpRequest.Builder rb = HttpRequest.newBuilder(uri).timeout(timeout)
        .header("locale", "en-US")
        .header("Content-Type", "application/json");
    if (demoTrading) rb.header("paptrading", "1");
    if (signed) {
      if (credentials == null) throw new IllegalStateException("this client has no credentials");
      // Checked here, where the headers are built: the JDK's own refusal quotes the header's
      // value, so an exception from it could carry a passphrase into a log.
      String problem = credentials.problem();
      if (problem != null) throw new UnusableKeyException("key " + credentials.maskedKey() + ": " + problem);
      String ts = Long.toString(clock.getAsLong() + clockOffsetMillis.get());
      String sign = Signer.sign(credentials.secret(), Signer.preHash(ts, method, path, query, bodyText));
      try {
        rb.header("ACCESS-KEY", credentials.apiKey())
            .header("ACCESS-SIGN", sign)
            .header("ACCESS-TIMESTAMP", ts)
            .header("ACCESS-PASSPHRASE", credentials.passphrase());
      } catch (IllegalArgumentException e) { // never e's message: it holds the value
        throw new UnusableKeyException("key " + credentials.maskedKey() + ": a header value was refused");
      }
    }
    rb.method(method, bodyText == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(bodyText, StandardCharsets.UTF_8));

    HttpResponse<String> resp;
    // The request's own timeout ends at the headers; a server trickling the body would hold the
    // caller for ever. So the whole exchange (connect, headers, body) is bounded here, and the
    // body is capped: a runaway answer fails the call instead of growing the heap.
    java.util.concurrent.CompletableFuture<HttpResponse<String>> pending =
        http.sendAsync(rb.build(), info -> LimitedBody.ofString(MAX_BODY_BYTES));
    try {
      resp = pending.get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      pending.cancel(true);
      throw new BitgetTransportException(method + " " + path + ": no complete answer within " + timeout.toMillis() + " ms",
          true, e);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof HttpTimeoutException) {
        throw new BitgetTransportException(method + " " + path + ": no answer within " + timeout.toMillis() + " ms", true,
            cause);
      }
      if (cause instanceof LimitedBody.TooLargeException) {
        throw new BitgetTransportException(method + " " + path + ": " + cause.getMessage(), false, cause);
      }
      if (cause instanceof IOException io) {
        throw new BitgetTransportException(method + " " + path + ": " + describe(io), false, io);
      }
      throw new BitgetTransportException(method + " " + path + ": " + (cause == null ? "failed" : cause.getMessage()), false,
          cause);
    } catch (InterruptedException e) {
      pending.cancel(true);
      Thread.currentThread().interrupt();
      throw new BitgetTransportException(method + " " + path + ": interrupted", false, e);
    }
    log.debug("{} {} -> HTTP {}", method, path, resp.statusCode());
    return unwrap(method, path, resp.statusCode(), resp.body());
  }

  /** Bitget's envelope: code "00000" is success and {@code data} the payload; anything else an error. */
  static JsonNode unwrap(String method, String path, int status, String body) {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (JsonProcessingException e) {
      root = null;
    }
    if (root == null || !root.isObject() || !root.has("code")) {
      throw new BitgetTransportException(method + " " + path + ": HTTP " + status
          + " without Bitget's envelope" + (body == null || body.isEmpty() ? " (empty body)" : ""), false, null);
    }
    String code = root.path("code").asText();
    if (!"00000".equals(code) || status != 200) {
      throw new BitgetApiException(status, code, root.path("msg").asText(""));
    }
    return root.path("data");
  }

  /** Envelope and payload of a recorded answer, as a live one would be decoded (tests, tools). */
  static <T> T decode(int status, String body, TypeReference<T> type) {
    return read(unwrap("GET", "(recorded)", status, body), type);
  }

  private static <T> T read(JsonNode data, TypeReference<T> type) {
    try {
      // Straight from the tree (convertValue would serialise it to a buffer and parse that again).
      return JSON.readerFor(type).readValue(data);
    } catch (IOException | IllegalArgumentException e) {
      throw new BitgetTransportException("unexpected response shape: " + e.getMessage(), false, e);
    }
  }

  private static String describe(IOException e) {
    String m = e.getMessage();
    if (e instanceof java.net.ConnectException) return "connection refused";
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static URI stripTrailingSlash(URI u) {
    String s = u.toString();
    return s.endsWith("/") ? URI.create(s.substring(0, s.length() - 1)) : u;
  }

  /** Builder: everything optional except credentials for private endpoints. */
  public static final class Builder {
    private URI baseUrl = DEFAULT_BASE_URL;
    private Credentials credentials;
    private boolean demoTrading;
    private HttpClient httpClient;
    private Duration timeout = Duration.ofSeconds(10);
    private LongSupplier clock = System::currentTimeMillis;
    private int maxRetries = 3;
    private IpBudget ipBudget;

    /** Retries of reads on 429 / 5xx / network errors (default 3; 0 for none). Writes are never retried. */
    public Builder maxRetries(int maxRetries) {
      if (maxRetries < 0) throw new IllegalArgumentException("maxRetries must be >= 0");
      this.maxRetries = maxRetries;
      return this;
    }

    public Builder baseUrl(URI baseUrl) {
      this.baseUrl = Objects.requireNonNull(baseUrl);
      return this;
    }

    public Builder baseUrl(String baseUrl) {
      return baseUrl(URI.create(baseUrl));
    }

    public Builder credentials(Credentials credentials) {
      this.credentials = credentials;
      return this;
    }

    /** Bitget's demo trading: sends {@code paptrading: 1} and the S-prefixed product type. */
    public Builder demoTrading(boolean demoTrading) {
      this.demoTrading = demoTrading;
      return this;
    }

    /** Share one HttpClient between many accounts' clients. */
    public Builder httpClient(HttpClient httpClient) {
      this.httpClient = httpClient;
      return this;
    }

    /**
     * The per-IP budget this client draws on (default: {@link IpBudget#shared()}, one for the whole
     * process at Bitget's published limits). Give a set of clients their own to split the IP's budget.
     */
    public Builder ipBudget(IpBudget ipBudget) {
      this.ipBudget = Objects.requireNonNull(ipBudget);
      return this;
    }

    public Builder timeout(Duration timeout) {
      this.timeout = Objects.requireNonNull(timeout);
      return this;
    }

    /** The local clock in ms since the epoch (tests); the measured server offset is added to it. */
    public Builder clock(LongSupplier clock) {
      this.clock = Objects.requireNonNull(clock);
      return this;
    }

    public BitgetClient build() {
      return new BitgetClient(this);
    }
  }
}
