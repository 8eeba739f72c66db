package io.stopguard.sim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The switches for Bitget behaviours no source settles (bitget-sim/FIDELITY.md lists each with
 * what is known). Each has a default, the simulator's documented guess, and the other plausible
 * answer(s); the guard's tests run under every one so stopguard is right whichever Bitget is.
 * A scenario sets them under {@code fidelity:}; {@code stopguard sim --variant NAME=VALUE} too.
 */
public record Fidelity(
    /** A second pos_loss on a position that has one: {@code reject} (400172) or {@code replace} the first. */
    String secondPosLoss,
    /** {@code side} of a one-way pos_loss in plan lists: {@code position} (buy = long) or {@code closing} (sell for a long). */
    String oneWaySide,
    /** {@code size} of a pos_loss in plan lists: the position's {@code total} now, or the size {@code sent} at placement ("" if none). */
    String posLossSize,
    /** A pos_loss when its position is closed by hand: {@code cancel}led with it, or {@code keep} (left pending, harmless). */
    String posLossOnClose,
    /** A pos_loss when its position is resized by an order: {@code keep} (it covers the new size), or {@code cancel}led. */
    String posLossOnResize,
    /** {@code positions} pushes on every mark move ({@code yes}) or only when a position changes ({@code no}). */
    String positionsPushOnMark,
    /** {@code orders-algo} pushes the changed order as {@code update}, or the account's live orders as {@code snapshot}. */
    String ordersAlgoAction,
    /** cancel-plan-order of an unknown id: {@code failure-list} (HTTP 200, listed in failureList) or {@code error} (43025). */
    String cancelUnknown,
    /** The code for a reused clientOid: {@code 40786} or {@code 40757}. */
    String duplicateClientOid,
    /** Symbols in plan lists: {@code upper} (as sent) or {@code lower} (a docs example shows "ethusdt"). */
    String planSymbolCase,
    /** Symbols in requests: {@code exact} (upper case only, 40034 otherwise) or {@code any} case. */
    String requestSymbolCase,
    /**
     * The codes account/info lists in {@code authorities}: {@code words} (readonly, trade, withdraw,
     * transfer) or {@code opaque} codes stopguard does not know (the real ones are unconfirmed).
     */
    String keyAuthorities) {

  /** Every switch with its values; the first value is the default. */
  public static final Map<String, List<String>> VALUES = values();

  private static Map<String, List<String>> values() {
    Map<String, List<String>> m = new LinkedHashMap<>();
    m.put("secondPosLoss", List.of("reject", "replace"));
    m.put("oneWaySide", List.of("position", "closing"));
    m.put("posLossSize", List.of("position", "sent"));
    m.put("posLossOnClose", List.of("cancel", "keep"));
    m.put("posLossOnResize", List.of("keep", "cancel"));
    m.put("positionsPushOnMark", List.of("yes", "no"));
    m.put("ordersAlgoAction", List.of("update", "snapshot"));
    m.put("cancelUnknown", List.of("failure-list", "error"));
    m.put("duplicateClientOid", List.of("40786", "40757"));
    m.put("planSymbolCase", List.of("upper", "lower"));
    m.put("requestSymbolCase", List.of("exact", "any"));
    m.put("keyAuthorities", List.of("words", "opaque"));
    return Collections.unmodifiableMap(m);
  }

  public static final Fidelity DEFAULT = new Fidelity(null, null, null, null, null, null, null, null, null, null, null, null);

  public Fidelity {
    secondPosLoss = check("secondPosLoss", secondPosLoss);
    oneWaySide = check("oneWaySide", oneWaySide);
    posLossSize = check("posLossSize", posLossSize);
    posLossOnClose = check("posLossOnClose", posLossOnClose);
    posLossOnResize = check("posLossOnResize", posLossOnResize);
    positionsPushOnMark = check("positionsPushOnMark", positionsPushOnMark);
    ordersAlgoAction = check("ordersAlgoAction", ordersAlgoAction);
    cancelUnknown = check("cancelUnknown", cancelUnknown);
    duplicateClientOid = check("duplicateClientOid", duplicateClientOid);
    planSymbolCase = check("planSymbolCase", planSymbolCase);
    requestSymbolCase = check("requestSymbolCase", requestSymbolCase);
    keyAuthorities = check("keyAuthorities", keyAuthorities);
  }

  /** Bitget's code in account/info's {@code authorities} for a scenario's permission (read, trade, withdraw, transfer). */
  public String authorityCode(String permission) {
    if (keyAuthorities.equals("words")) return permission.equals("read") ? "readonly" : permission;
    return switch (permission) {
      case "read" -> "kr01";
      case "trade" -> "kt02";
      case "withdraw" -> "kw03";
      default -> "kx04";
    };
  }

  private static String check(String name, String value) {
    List<String> allowed = VALUES.get(name);
    if (value == null || value.isBlank()) return allowed.get(0);
    String v = value.trim().toLowerCase(Locale.ROOT);
    if (!allowed.contains(v)) {
      throw new IllegalArgumentException("fidelity." + name + " must be one of " + String.join(", ", allowed) + ", not " + value);
    }
    return v;
  }

  /** This with one switch set ({@code name=value}, as on the command line). */
  public Fidelity with(String name, String value) {
    Map<String, String> m = asMap();
    if (!m.containsKey(name)) {
      throw new IllegalArgumentException("unknown variant " + name + " (known: " + String.join(", ", VALUES.keySet()) + ")");
    }
    m.put(name, value);
    return new Fidelity(m.get("secondPosLoss"), m.get("oneWaySide"), m.get("posLossSize"), m.get("posLossOnClose"),
        m.get("posLossOnResize"), m.get("positionsPushOnMark"), m.get("ordersAlgoAction"), m.get("cancelUnknown"), m.get("duplicateClientOid"),
        m.get("planSymbolCase"), m.get("requestSymbolCase"), m.get("keyAuthorities"));
  }

  /** Parses {@code NAME=VALUE}. */
  public Fidelity with(String assignment) {
    int i = assignment.indexOf('=');
    if (i <= 0) throw new IllegalArgumentException("a variant is NAME=VALUE, e.g. secondPosLoss=replace (got " + assignment + ")");
    return with(assignment.substring(0, i).trim(), assignment.substring(i + 1).trim());
  }

  public Map<String, String> asMap() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("secondPosLoss", secondPosLoss);
    m.put("oneWaySide", oneWaySide);
    m.put("posLossSize", posLossSize);
    m.put("posLossOnClose", posLossOnClose);
    m.put("posLossOnResize", posLossOnResize);
    m.put("positionsPushOnMark", positionsPushOnMark);
    m.put("ordersAlgoAction", ordersAlgoAction);
    m.put("cancelUnknown", cancelUnknown);
    m.put("duplicateClientOid", duplicateClientOid);
    m.put("planSymbolCase", planSymbolCase);
    m.put("requestSymbolCase", requestSymbolCase);
    m.put("keyAuthorities", keyAuthorities);
    return m;
  }

  /**
   * The default, each non-default value alone, and every switch at its non-default value at once:
   * what a test runs the guard under.
   */
  public static List<Fidelity> everyVariant() {
    List<Fidelity> out = new ArrayList<>();
    out.add(DEFAULT);
    Fidelity all = DEFAULT;
    for (var e : VALUES.entrySet()) {
      for (String v : e.getValue().subList(1, e.getValue().size())) {
        out.add(DEFAULT.with(e.getKey(), v));
        all = all.with(e.getKey(), v);
      }
    }
    out.add(all);
    return out;
  }

  /** Only the switches that differ from the default, e.g. {@code secondPosLoss=replace}; "default" if none. */
  @Override
  public String toString() {
    List<String> parts = new ArrayList<>();
    asMap().forEach((k, v) -> {
      if (!VALUES.get(k).get(0).equals(v)) parts.add(k + "=" + v);
    });
    return parts.isEmpty() ? "default" : String.join(",", parts);
  }

  boolean replaceSecondPosLoss() {
    return secondPosLoss.equals("replace");
  }

  boolean cancelPosLossOnResize() {
    return posLossOnResize.equals("cancel");
  }

  boolean keepPosLossOnClose() {
    return posLossOnClose.equals("keep");
  }
}
