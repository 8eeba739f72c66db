package io.stopguard.restore;

import io.stopguard.bitget.Position;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Deterministic client order ids: the same intent gives the same id, so a retry after a timeout
 * is refused by Bitget as a duplicate (40786) instead of placing a second stop. Two recipes, one
 * per kind of intent; the position is named by its account, symbol, side and opening time, so a
 * position closed and reopened is a new intent.
 */
public final class ClientOids {
  private ClientOids() {}

  /**
   * The guard's restore of one incident. {@code generation} moves on only when Bitget has refused
   * the previous id as a duplicate while no live order carries it (the stop was cancelled), so the
   * same incident and generation always give the same id — across retries, restarts and watchers.
   */
  public static String forRestore(String exchange, String userId, Position p, long incidentId, Instant detectedAt,
      int generation) {
    String[] parts = {exchange, userId, p.symbol(), p.holdSide().name(), p.cTime(), "restore", Long.toString(incidentId),
        detectedAt.toString()};
    if (generation == 0) return of(parts); // incidents from before generations keep their id
    String[] withGeneration = Arrays.copyOf(parts, parts.length + 1);
    withGeneration[parts.length] = "g" + generation;
    return of(withGeneration);
  }

  /**
   * The guard's restore while the store does not answer, so without an incident: the episode is
   * named by what identifies it on the exchange, the stop that disappeared ({@code lostStopOrderId},
   * the last one the watcher saw protect the position) or, if it never saw one, the moment it first
   * saw the position bare. Every retry of the episode, and every instance that saw the same stop
   * go, derives the same id. {@code generation} moves on after Bitget refused the id as spent.
   */
  public static String forEpisode(String exchange, String userId, Position p, String lostStopOrderId, Instant bareSince,
      int generation) {
    return of(exchange, userId, p.symbol(), p.holdSide().name(), p.cTime(), "episode",
        lostStopOrderId != null ? "after " + lostStopOrderId : "bare since " + bareSince, "g" + generation);
  }

  /**
   * A person's (or a library caller's) stop: the same request repeated is the same order.
   * {@code amount} null for a whole-position pos_loss.
   */
  public static String forOperator(String exchange, String userId, Position p, BigDecimal stopPrice, BigDecimal amount) {
    return of(exchange, userId, p.symbol(), p.holdSide().name(), p.cTime(), amount == null ? "pos_loss" : "loss_plan",
        stopPrice.toPlainString(), amount == null ? "" : amount.toPlainString());
  }

  /** {@code sg-} and 29 hex digits of SHA-256 over the parts: 32 characters, within Bitget's limit. */
  static String of(String... parts) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (String p : parts) {
        md.update(String.valueOf(p).getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0x1f);
      }
      return "sg-" + HexFormat.of().formatHex(md.digest()).substring(0, 29);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
