package io.stopguard.sim;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * A scenario file: contracts (optional, merged over the built-in ones) and accounts with their
 * positions and plan orders. YAML; JSON is valid YAML. Unknown keys are an error, so a typo in a
 * drill file does not silently drop a position.
 */
public record Scenario(List<ContractSpec> contracts, List<AccountSpec> accounts, List<EventSpec> events,
    List<MarkPathSpec> markPaths, Fidelity fidelity, WebSocketSpec websocket) {
  public Scenario {
    fidelity = fidelity == null ? Fidelity.DEFAULT : fidelity;
    websocket = websocket == null ? WebSocketSpec.BITGET : websocket;
    contracts = contracts == null ? List.of() : List.copyOf(contracts);
    accounts = accounts == null ? List.of() : List.copyOf(accounts);
    events = events == null ? List.of() : List.copyOf(events);
    markPaths = markPaths == null ? List.of() : List.copyOf(markPaths);
  }

  public Scenario(List<ContractSpec> contracts, List<AccountSpec> accounts) {
    this(contracts, accounts, List.of(), List.of(), null, null);
  }

  /** The same scenario under other {@link Fidelity} switches. */
  public Scenario with(Fidelity f) {
    return new Scenario(contracts, accounts, events, markPaths, f, websocket);
  }

  /** The same scenario with other WebSocket limits. */
  public Scenario with(WebSocketSpec w) {
    return new Scenario(contracts, accounts, events, markPaths, fidelity, w);
  }

  /**
   * The private WebSocket's connection limits: closed when no "ping" came for {@code idleSeconds}
   * (Bitget: 30 s), and after {@code maxAgeSeconds} whatever happens (Bitget: 24 h). Drills and
   * tests shorten them.
   */
  public record WebSocketSpec(Long idleSeconds, Long maxAgeSeconds) {
    public static final WebSocketSpec BITGET = new WebSocketSpec(30L, 86_400L);

    public WebSocketSpec {
      idleSeconds = idleSeconds == null ? 30L : idleSeconds;
      maxAgeSeconds = maxAgeSeconds == null ? 86_400L : maxAgeSeconds;
      if (idleSeconds < 1 || maxAgeSeconds < 1) throw new IllegalArgumentException("websocket: idleSeconds and maxAgeSeconds must be >= 1");
    }
  }

  /**
   * A scheduled event, {@code at} seconds after start ("5s", "1.5s" or a number): cancel-stop,
   * close-position, mark (with price), drop-websocket (uid optional).
   */
  public record EventSpec(String at, String action, String uid, String symbol, String holdSide, BigDecimal price) {
    public long atMillis() {
      String a = at == null ? "0" : at.trim().toLowerCase(Locale.ROOT);
      if (a.endsWith("ms")) return Long.parseLong(a.substring(0, a.length() - 2).trim());
      if (a.endsWith("s")) a = a.substring(0, a.length() - 1).trim();
      return new BigDecimal(a).movePointRight(3).longValue();
    }
  }

  /**
   * How a symbol's mark price moves: {@code random-walk} (each {@code intervalMs}, ± up to
   * {@code stepPercent} %) or {@code script} (the {@code prices} in turn, one per interval).
   */
  public record MarkPathSpec(String symbol, String mode, BigDecimal stepPercent, Long intervalMs, List<BigDecimal> prices,
      Long seed) {}

  public record ContractSpec(String symbol, Integer pricePlace, Integer priceEndStep, Integer volumePlace,
      BigDecimal minTradeNum, BigDecimal sizeMultiplier, BigDecimal markPrice) {}

  /**
   * An account and its API key. {@code keyPermissions}: what the key may do, of {@code read},
   * {@code trade}, {@code withdraw}, {@code transfer} (default read and trade); {@code keyIps}: the
   * addresses the key is bound to (default none: usable from anywhere).
   */
  public record AccountSpec(String uid, String apiKey, String secretKey, String passphrase, String posMode,
      List<PositionSpec> positions, List<PlanOrderSpec> planOrders, List<String> keyPermissions, List<String> keyIps) {
    public AccountSpec {
      positions = positions == null ? List.of() : List.copyOf(positions);
      planOrders = planOrders == null ? List.of() : List.copyOf(planOrders);
      keyPermissions = keyPermissions == null ? List.of("read", "trade") : List.copyOf(keyPermissions);
      keyIps = keyIps == null ? List.of() : List.copyOf(keyIps);
    }

    public AccountSpec(String uid, String apiKey, String secretKey, String passphrase, String posMode,
        List<PositionSpec> positions, List<PlanOrderSpec> planOrders) {
      this(uid, apiKey, secretKey, passphrase, posMode, positions, planOrders, null, null);
    }
  }

  public record PositionSpec(String symbol, String holdSide, BigDecimal total, BigDecimal openPriceAvg,
      Integer leverage, String marginMode, BigDecimal liquidationPrice) {}

  public record PlanOrderSpec(String symbol, String planType, String holdSide, BigDecimal triggerPrice,
      String triggerType, BigDecimal executePrice, BigDecimal size, String clientOid, String orderId) {}

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  /** Reads a scenario; errors name the file and the offending place in one line. */
  public static Scenario load(Path file) {
    try {
      return parse(Files.readString(file));
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("scenario file not found: " + file);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read scenario " + file, e);
    }
  }

  public static Scenario parse(String text) {
    try {
      Scenario s = YAML.readValue(text, Scenario.class);
      return s == null ? new Scenario(List.of(), List.of()) : s;
    } catch (ValueInstantiationException e) {
      Throwable c = e.getCause() != null ? e.getCause() : e;
      throw new IllegalArgumentException(c.getMessage() + " at " + where(e));
    } catch (UnrecognizedPropertyException e) {
      throw new IllegalArgumentException("unknown key '" + e.getPropertyName() + "' at " + where(e));
    } catch (MismatchedInputException e) {
      // Jackson's own text names Java types; the reader gets the place and the value instead.
      String got = e instanceof InvalidFormatException f && f.getValue() != null
          ? " '" + f.getValue() + "'" : "";
      throw new IllegalArgumentException("bad value" + got + " at " + where(e) + " (see bitget-sim/README.md for the format)");
    } catch (IOException e) {
      throw new IllegalArgumentException("not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
    }
  }

  private static String where(JsonMappingException e) {
    StringBuilder sb = new StringBuilder();
    for (var ref : e.getPath()) {
      if (ref.getFieldName() != null) sb.append(sb.isEmpty() ? "" : ".").append(ref.getFieldName());
      else sb.append('[').append(ref.getIndex()).append(']');
    }
    var loc = e.getLocation();
    return (sb.isEmpty() ? "top level" : sb) + (loc != null ? " (line " + loc.getLineNr() + ")" : "");
  }
}
