package io.stopguard.sim;

/**
 * Changes of an account's state, for the private WebSocket. Called while the exchange's lock is
 * held, so events arrive in the order the changes happened; implementations must not block.
 */
public interface SimListener {
  /** Positions of the account changed (opened, resized, closed, liquidated, mark moved). */
  void positionsChanged(String uid, String apiKey);

  /** A plan order was created, modified, cancelled or triggered; {@code order} in the WebSocket shape (a value Jackson writes). */
  void planChanged(String uid, String apiKey, Object order);
}
