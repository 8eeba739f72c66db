package io.stopguard.bitget;

import static io.stopguard.bitget.Transport.read;


import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;

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
  /** Bitget's maximum page size for orders-plan-pending. */
  static final int PLAN_PAGE_LIMIT = 100;


  private final URI baseUrl;
  private final boolean demoTrading;
  private final LongSupplier clock;
  /** Signing, sending, retrying and reading Bitget's envelope: everything below the endpoints. */
  private final Transport transport;

  private BitgetClient(Builder b) {
    this.baseUrl = stripTrailingSlash(b.baseUrl);
    this.demoTrading = b.demoTrading;
    this.clock = b.clock;
    HttpClient http = b.httpClient != null ? b.httpClient
        : HttpClients.forBase(baseUrl, b.timeout).build();
    this.transport = new Transport(baseUrl, b.credentials, demoTrading, http, b.timeout, b.clock,
        b.ipBudget != null ? b.ipBudget : IpBudget.shared(), b.maxRetries, b.serverClock != null ? b.serverClock : new ServerClock());
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
    return serverTime(transport.call("GET", TIME_PATH, Map.of(), null, false));
  }

  private static final String TIME_PATH = "/api/v2/public/time";

  private static long serverTime(JsonNode data) {
    return Long.parseLong(data.path("serverTime").asText());
  }

  /**
   * Measures the offset between Bitget's clock and ours (server minus local, at the midpoint of the
   * request's round trip, timed from when it left: never its wait for the rate limits) over the
   * public time endpoint (unsigned: it answers whatever our clock says) and applies it to every
   * later signature of every client sharing this one's {@link ServerClock}.
   * Returns the offset in ms.
   */
  public long syncClock() {
    Transport.Timed answer = transport.callTimed(TIME_PATH, Map.of()); // timed from when it leaves, not from the budget's queue
    long offset = serverTime(answer.data()) - (answer.sentAtMs() + answer.answeredAtMs()) / 2;
    transport.serverClock.set(offset);
    return offset;
  }

  public long clockOffsetMillis() {
    return transport.serverClock.offsetMillis();
  }

  /** Every USDT-M contract with its tick rules. */
  public List<Contract> contracts() {
    return read(transport.call("GET", "/api/v2/mix/market/contracts", Map.of("productType", productType()), null, false),
        new TypeReference<>() {});
  }

  /** Last, mark and index price of one symbol ({@code ticker}). */
  public Ticker ticker(String symbol) {
    List<Ticker> t = read(transport.call("GET", "/api/v2/mix/market/ticker", Map.of("productType", productType(), "symbol", symbol),
        null, false), new TypeReference<>() {});
    if (t.isEmpty()) throw new BitgetTransportException("ticker for " + symbol + ": empty answer", false, null);
    return t.get(0);
  }

  // ---------------------------------------------------------------- private endpoints

  /** The account's position mode ({@code account}, one symbol suffices: the mode is account-wide). */
  public PosMode positionMode(String symbol) {
    JsonNode data = transport.call("GET", "/api/v2/mix/account/account",
        Map.of("productType", productType(), "symbol", symbol, "marginCoin", marginCoin()), null, true);
    return PosMode.parse(data.path("posMode").asText());
  }

  /** Open positions of one symbol ({@code single-position}): long and short in hedge mode. */
  public List<Position> singlePosition(String symbol) {
    return read(transport.call("GET", "/api/v2/mix/position/single-position",
        Map.of("productType", productType(), "symbol", symbol, "marginCoin", marginCoin()), null, true),
        new TypeReference<>() {});
  }

  /**
   * The position's stop-loss through {@code place-pos-tpsl} (market, mark price). Same effect as a
   * {@code pos_loss} placed with {@link #placeTpslOrder}; Bitget assigns the client order id.
   */
  public List<PlacedOrder> placePositionStopLoss(String symbol, HoldSide side, PosMode mode, BigDecimal trigger) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("marginCoin", marginCoin());
    body.put("productType", productType());
    body.put("symbol", symbol);
    body.put("holdSide", side.tpslHoldSide(mode));
    body.put("stopLossTriggerPrice", trigger.toPlainString());
    body.put("stopLossTriggerType", "mark_price");
    return read(transport.call("POST", "/api/v2/mix/order/place-pos-tpsl", Map.of(), body, true), new TypeReference<>() {});
  }

  /** The asking key's permissions and bound addresses ({@code spot/account/info}; any key may ask). */
  public KeyInfo keyInfo() {
    JsonNode data = transport.call("GET", "/api/v2/spot/account/info", Map.of(), null, true);
    List<String> codes = new ArrayList<>();
    data.path("authorities").forEach(n -> codes.add(n.asText()));
    return new KeyInfo(data.path("userId").asText(null), codes, KeyInfo.parseIps(data.path("ips").asText("")));
  }

  /** The account's futures accounts of this product type (equity per margin coin), one call. */
  public List<FuturesAccount> futuresAccounts() {
    JsonNode data = transport.call("GET", "/api/v2/mix/account/accounts", Map.of("productType", productType()), null, true);
    return read(data, new TypeReference<>() {});
  }

  /** Every open position of the account ({@code all-position}), one call. */
  public List<Position> allPositions() {
    return transport.callTyped("GET", "/api/v2/mix/position/all-position",
        Map.of("productType", productType(), "marginCoin", marginCoin()), true, POSITIONS,
        data -> read(data, new TypeReference<List<Position>>() {}));
  }

  // The guard's two hot reads are decoded in one pass (Transport.callTyped): a cold watcher's first
  // sweep spent a tenth of its samples building trees and reading them again into these types.
  static final ObjectReader POSITIONS =
      Transport.JSON.readerFor(Transport.JSON.getTypeFactory().constructCollectionType(List.class, Position.class));
  static final ObjectReader PLAN_PAGE = Transport.JSON.readerFor(PlanPage.class);

  /** One page of {@code orders-plan-pending}: Bitget sends a null list when there are none. */
  record PlanPage(List<PlanOrder> entrustedList, String endId) {
    PlanPage {
      entrustedList = entrustedList == null ? List.of() : entrustedList;
      endId = endId == null ? "" : endId;
    }

    /** The page as the tree reads it (any answer the one-pass read did not take). */
    static PlanPage fromTree(JsonNode data) {
      JsonNode list = data.path("entrustedList");
      return new PlanPage(list.isArray() ? read(list, new TypeReference<List<PlanOrder>>() {}) : List.of(),
          data.path("endId").asText(""));
    }
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
      PlanPage planPage = transport.callTyped("GET", "/api/v2/mix/order/orders-plan-pending", params, true, PLAN_PAGE,
          PlanPage::fromTree);
      List<PlanOrder> page = planPage.entrustedList();
      out.addAll(page);
      String endId = planPage.endId();
      // A short page is the last one; a repeated cursor would loop forever on a buggy server.
      if (page.size() < PLAN_PAGE_LIMIT || endId.isEmpty() || !seenCursors.add(endId)) return out;
      idLessThan = endId;
    }
  }

  /** The pending plan order with this client order id, if any (one call). */
  public Optional<PlanOrder> pendingPlanOrderByClientOid(String symbol, String clientOid) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("productType", productType());
    params.put("planType", PlanType.Query.PROFIT_LOSS.wire());
    params.put("clientOid", clientOid);
    if (symbol != null) params.put("symbol", symbol);
    JsonNode list = transport.call("GET", "/api/v2/mix/order/orders-plan-pending", params, null, true).path("entrustedList");
    if (!list.isArray()) return Optional.empty();
    List<PlanOrder> page = read(list, new TypeReference<List<PlanOrder>>() {});
    return page.stream().filter(o -> clientOid.equals(o.clientOid())).findFirst();
  }

  /**
   * Moves an existing TPSL order ({@code modify-tpsl-order}): new trigger price, and for partial
   * types a new size. The order keeps its id, so the position is never without a stop meanwhile.
   */
  public PlacedOrder modifyTpslOrder(String orderId, String symbol, BigDecimal triggerPrice, String triggerType,
      BigDecimal size) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("orderId", orderId);
    body.put("marginCoin", marginCoin());
    body.put("productType", productType());
    body.put("symbol", symbol);
    body.put("triggerPrice", triggerPrice.toPlainString());
    body.put("triggerType", triggerType);
    body.put("executePrice", "0");
    body.put("size", size == null ? "" : size.toPlainString());
    return read(transport.call("POST", "/api/v2/mix/order/modify-tpsl-order", Map.of(), body, true), new TypeReference<>() {});
  }

  /** The exact JSON body {@link #placeTpslOrder} would send for this order (dry runs, audit). */
  public String requestBody(TpslOrder order) {
    try {
      return Transport.JSON.writeValueAsString(order.body(productType(), marginCoin()));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot serialise request body", e);
    }
  }

  /** Places one TPSL order ({@code place-tpsl-order}). Not retried here: see {@link BitgetTransportException}. */
  public PlacedOrder placeTpslOrder(TpslOrder order) {
    JsonNode data = transport.call("POST", "/api/v2/mix/order/place-tpsl-order", Map.of(),
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
    return read(transport.call("POST", "/api/v2/mix/order/cancel-plan-order", Map.of(), body, true), new TypeReference<>() {});
  }

  /**
   * One signed request with Bitget's answer as it came, error or not: for tools that record what
   * the exchange says (the probe). Writes are sent once; transport failures still throw.
   */
  public RawAnswer raw(String method, String path, Map<String, String> params, Object body) {
    try {
      return new RawAnswer(200, "00000", "success", transport.call(method, path, params, body, true));
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
    private ServerClock serverClock;

    /** Bitget's clock as measured, shared with other clients (default: one of this client's own). */
    public Builder serverClock(ServerClock serverClock) {
      this.serverClock = Objects.requireNonNull(serverClock);
      return this;
    }

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
