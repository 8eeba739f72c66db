package io.stopguard.bitget;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Below {@link BitgetClient}'s endpoints: one request signed as Bitget wants it, sent under the
 * UID's and the IP's limits, bounded in time and size, reads retried, and Bitget's envelope turned
 * into the payload or a typed exception. One per client (per API key).
 */
final class Transport {
  /** Largest answer read (a full page of 100 plan orders is ~60 KB; this leaves room, not a heap). */
  static final int MAX_BODY_BYTES = 4 * 1024 * 1024;
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
  /** Bitget's clock as measured ({@link BitgetClient#syncClock}): its offset is added to every signature's timestamp. */
  final ServerClock serverClock;
  private final RateLimiter limiter = new RateLimiter(0.9);
  private final IpBudget ipBudget;
  private final int maxRetries;

  Transport(URI baseUrl, Credentials credentials, boolean demoTrading, HttpClient http, Duration timeout, LongSupplier clock,
      IpBudget ipBudget, int maxRetries, ServerClock serverClock) {
    this.serverClock = serverClock;
    this.baseUrl = baseUrl;
    this.credentials = credentials;
    this.demoTrading = demoTrading;
    this.http = http;
    this.timeout = timeout;
    this.clock = clock;
    this.ipBudget = ipBudget;
    this.maxRetries = maxRetries;
  }


  /**
   * One request under the UID's rate limit. Reads are retried with jittered back-off on 429, 5xx
   * and network errors; placements and other writes never are (see {@link BitgetTransportException}).
   */
  JsonNode call(String method, String path, Map<String, String> params, Object body, boolean signed) {
    return call(method, path, params, body, signed, null);
  }

  /** An answer, with this host's clock (ms) just before its request left and just after it came back. */
  record Timed(JsonNode data, long sentAtMs, long answeredAtMs) {}

  /**
   * An unsigned GET whose round trip is timed from the moment it leaves, after any wait for the rate
   * limits: the clock measurement ({@link BitgetClient#syncClock}) halves the round trip, and a
   * wait behind a busy IP budget counted in it once put this host 10 s behind Bitget.
   */
  Timed callTimed(String path, Map<String, String> params) {
    long[] roundTrip = new long[2];
    JsonNode data = call("GET", path, params, null, false, roundTrip);
    return new Timed(data, roundTrip[0], roundTrip[1]);
  }

  /**
   * One request whose answer is read in one pass, Bitget's envelope and {@code type} together, with
   * no tree in between: the guard's hot reads (positions, plan orders). Any answer that is not a
   * plain success (an error code, a missing envelope, a shape {@code type} does not take, a null
   * payload) is read the usual way instead ({@link #unwrap}, then {@code fromTree}), so what a
   * caller gets or is thrown is exactly what {@link #call} would give. {@code type} is a reader made
   * once ({@code JSON.readerFor}), not per answer.
   */
  <T> T callTyped(String method, String path, Map<String, String> params, boolean signed, ObjectReader type,
      Function<JsonNode, T> fromTree) {
    return call(method, path, params, null, signed, null, (status, text) -> decodeTyped(method, path, status, text, type, fromTree));
  }

  /** {@link #callTyped}'s reading of one answer: in one pass, or else the usual way. */
  static <T> T decodeTyped(String method, String path, int status, String body, ObjectReader type, Function<JsonNode, T> fromTree) {
    T fast = onePass(status, body, type);
    return fast != null ? fast : fromTree.apply(unwrap(method, path, status, body));
  }

  /** Bitget's answer as it came: status and body. */
  @FunctionalInterface
  interface Decoder<T> {
    T decode(int status, String body);
  }

  private JsonNode call(String method, String path, Map<String, String> params, Object body, boolean signed, long[] roundTrip) {
    return call(method, path, params, body, signed, roundTrip, (status, text) -> unwrap(method, path, status, text));
  }

  private <T> T call(String method, String path, Map<String, String> params, Object body, boolean signed, long[] roundTrip,
      Decoder<T> decoder) {
    boolean retryable = method.equals("GET");
    for (int attempt = 0; ; attempt++) {
      try {
        limiter.acquire(path);
        ipBudget.acquire();
        if (roundTrip == null) return callOnce(method, path, params, body, signed, decoder);
        roundTrip[0] = clock.getAsLong();
        T data = callOnce(method, path, params, body, signed, decoder);
        roundTrip[1] = clock.getAsLong();
        return data;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BitgetTransportException(method + " " + path + ": interrupted", false, e);
      } catch (BitgetException e) {
        // 429: Bitget's windows are one second, so wait for the next one; otherwise back off quickly.
        boolean throttled = e instanceof BitgetApiException api && (api.httpStatus() == 429 || "429".equals(api.code()));
        if (throttled) ipBudget.throttledByBitget();
        if (!retryable || attempt >= maxRetries || e.kind() != ErrorKind.RETRYABLE) throw e;
        long backoff = (throttled ? 1000L : 100L << attempt) + ThreadLocalRandom.current().nextLong(200);
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

  private <T> T callOnce(String method, String path, Map<String, String> params, Object body, boolean signed,
      Decoder<T> decoder) {
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
      String ts = Long.toString(clock.getAsLong() + serverClock.offsetMillis());
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
    CompletableFuture<HttpResponse<String>> pending =
        http.sendAsync(rb.build(), info -> LimitedBody.ofString(MAX_BODY_BYTES));
    try {
      resp = pending.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      pending.cancel(true);
      throw new BitgetTransportException(method + " " + path + ": no complete answer within " + timeout.toMillis() + " ms",
          true, e);
    } catch (ExecutionException e) {
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
    return decoder.decode(resp.statusCode(), resp.body());
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

  /**
   * A plain success read in one pass: an object whose {@code code} is the string "00000", status
   * 200, and a {@code data} that {@code type} takes; the payload, or null for anything else (the
   * caller then reads the answer the usual way, which gives the same result or the same error).
   * Later duplicates of a field win, as they do in a tree.
   */
  static <T> T onePass(int status, String body, ObjectReader type) {
    if (status != 200 || body == null) return null;
    try (JsonParser p = JSON.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) return null;
      String code = null;
      T data = null;
      for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (field.equals("code")) {
          code = value == JsonToken.VALUE_STRING ? p.getText() : null;
        } else if (field.equals("data")) {
          if (value == JsonToken.VALUE_NULL) return null;
          data = type.readValue(p);
        } else {
          p.skipChildren();
        }
      }
      return "00000".equals(code) ? data : null;
    } catch (IOException | RuntimeException e) {
      return null; // malformed, truncated, or a shape the type does not take: the usual way says which
    }
  }

  /** Envelope and payload of a recorded answer, as a live one would be decoded (tests, tools). */
  static <T> T decode(int status, String body, TypeReference<T> type) {
    return read(unwrap("GET", "(recorded)", status, body), type);
  }

  static <T> T read(JsonNode data, TypeReference<T> type) {
    try {
      // Straight from the tree (convertValue would serialise it to a buffer and parse that again).
      return JSON.readerFor(type).readValue(data);
    } catch (IOException | IllegalArgumentException e) {
      throw new BitgetTransportException("unexpected response shape: " + e.getMessage(), false, e);
    }
  }

  private static String describe(IOException e) {
    String m = e.getMessage();
    if (e instanceof ConnectException) return "connection refused";
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
