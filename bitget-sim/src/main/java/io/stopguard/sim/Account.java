package io.stopguard.sim;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** A simulated account: its keys, position mode, positions, plan orders, regular orders and leverage. */
final class Account {
  final String uid;
  final String apiKey;
  final String secretKey;
  final String passphrase;
  volatile String posMode; // one_way_mode | hedge_mode (set-position-mode changes it)
  final List<Pos> positions = new ArrayList<>();
  final List<Plan> plans = new ArrayList<>();
  final Set<String> clientOids = new HashSet<>();
  /** Regular orders, open and done (order detail answers for both), oldest first. */
  final List<Order> orders = new ArrayList<>();
  /** Leverage set per symbol (set-leverage); positions opened later use it. Default 10. */
  final Map<String, Integer> leverage = new HashMap<>();

  /** What the key may do (read, trade, withdraw, transfer) and the addresses it is bound to (empty: any). */
  volatile List<String> permissions = List.of("read", "trade");
  volatile List<String> ips = List.of();

  Account(String uid, String apiKey, String secretKey, String passphrase, String posMode) {
    this.uid = uid;
    this.apiKey = apiKey;
    this.secretKey = secretKey;
    this.passphrase = passphrase;
    this.posMode = posMode;
  }

  boolean hedge() {
    return posMode.equals("hedge_mode");
  }

  Optional<Pos> position(String symbol, Side holdSide) {
    return positions.stream().filter(p -> p.symbol.equals(symbol) && p.holdSide == holdSide).findFirst();
  }
}
