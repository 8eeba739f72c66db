package io.stopguard.bitget;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What Bitget says of the key that asks ({@code GET /api/v2/spot/account/info}): its owner's uid,
 * its permissions as Bitget's codes ({@code authorities}, kept as data: which codes exist is not
 * documented) and the addresses it is bound to ({@code ips}; empty: usable from anywhere).
 */
public record KeyInfo(String userId, List<String> authorities, List<String> ips) {
  public KeyInfo {
    authorities = authorities == null ? List.of() : List.copyOf(authorities);
    ips = ips == null ? List.of() : List.copyOf(ips);
  }

  /** What a permission code says, as far as stopguard knows the codes. */
  public enum Permission { READ, TRADE, WITHDRAW, TRANSFER, UNKNOWN }

  /** Can it place, modify and cancel futures stops? Null when no code says (unknown codes only). */
  public Boolean canTrade() {
    if (has(Permission.TRADE)) return true;
    return authorities.stream().allMatch(c -> permission(c) != Permission.UNKNOWN) ? false : null;
  }

  public boolean canWithdraw() {
    return has(Permission.WITHDRAW);
  }

  /** Codes stopguard does not know (shown as they are, never read as "no permission"). */
  public List<String> unknownCodes() {
    return authorities.stream().filter(c -> permission(c) == Permission.UNKNOWN).toList();
  }

  private boolean has(Permission p) {
    return authorities.stream().anyMatch(c -> permission(c) == p);
  }

  /** Whether a request from {@code address} may use this key (an unbound key: from anywhere). */
  public boolean usableFrom(String address) {
    return ips.isEmpty() || (address != null && ips.contains(address));
  }

  /** The codes known so far: Bitget's key settings read "read-only", "trade", "withdraw", "transfer". */
  public static Permission permission(String code) {
    return switch (code.trim().toLowerCase(Locale.ROOT)) {
      case "readonly", "read_only", "read" -> Permission.READ;
      case "trade" -> Permission.TRADE;
      case "withdraw" -> Permission.WITHDRAW;
      case "transfer" -> Permission.TRANSFER;
      default -> Permission.UNKNOWN;
    };
  }

  /** Bitget's {@code ips} field: comma-separated, "" when unbound. */
  public static List<String> parseIps(String ips) {
    if (ips == null || ips.isBlank()) return List.of();
    return Arrays.stream(ips.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }
}
