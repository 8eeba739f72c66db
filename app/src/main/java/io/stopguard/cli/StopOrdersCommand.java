package io.stopguard.cli;

import io.stopguard.bitget.PosMode;
import java.time.Instant;
import io.stopguard.bitget.BitgetClient;
import io.stopguard.bitget.BitgetException;
import io.stopguard.bitget.Contract;
import io.stopguard.bitget.HoldSide;
import io.stopguard.bitget.PlanOrder;
import io.stopguard.bitget.PlanType;
import io.stopguard.bitget.Position;
import io.stopguard.bitget.TpslOrder;
import io.stopguard.check.StopLossCheck;
import io.stopguard.restore.ClientOids;
import io.stopguard.risk.PositionVerdict;
import io.stopguard.risk.Protection;
import io.stopguard.risk.RestorePlan;
import io.stopguard.risk.RestorePlanner;
import io.stopguard.store.ExchangeKey;
import io.stopguard.store.Store;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "stop-orders",
    header = "Show a position's stop orders; --dry-run shows the order a restore would place.",
    mixinStandardHelpOptions = true,
    description = {
        "Show the stop-loss orders of a position and its verdict. With --dry-run,",
        "also the exact order a restore would place, without placing it.",
        "",
        "Example: stopguard stop-orders --symbol DASHUSDT --direction SHORT --dry-run",
        "",
        "Exit codes: 0 protected, 1 not protected (or no such position), 2 usage",
        "error, 3 could not complete.",
    })
final class StopOrdersCommand implements Callable<Integer> {
  private final Cli cli;

  @Mixin
  HomeOptions home;

  @Mixin
  ExchangeOptions exchange;

  @Option(names = "--symbol", required = true, paramLabel = "SYMBOL", converter = SymbolConverter.class,
      description = "Contract, e.g. DASHUSDT.")
  String symbol;

  @Option(names = "--direction", required = true, paramLabel = "LONG|SHORT", converter = HoldSideConverter.class,
      description = "Position side.")
  HoldSide direction;

  @Option(names = "--user", paramLabel = "ID", description = "The user (default: every user with an active key).")
  String user;

  @Option(names = "--dry-run", description = "Show the order a restore would place (nothing is sent).")
  boolean dryRun;

  @Option(names = "--json", description = "JSON output.")
  boolean json;

  StopOrdersCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    String sym = symbol.toUpperCase(Locale.ROOT);
    var config = home.config(cli);
    StopLossCheck check = exchange.check(cli, home, config.riskPolicy());
    List<Map<String, Object>> results = new ArrayList<>();
    boolean allProtected = true;
    try (Store store = home.openStore(cli)) {
      for (ExchangeKey k : Accounts.keys(store, user)) {
        BitgetClient client = check.client(k);
        try {
          Position p = client.allPositions().stream()
              .filter(x -> x.symbol().equalsIgnoreCase(sym) && x.holdSide() == direction).findFirst().orElse(null);
          if (p == null) {
            if (user != null) {
              cli.out().println("user " + k.userId() + " has no open " + direction + " position on " + sym);
              return ExitCodes.UNPROTECTED;
            }
            continue;
          }
          List<PlanOrder> plans = client.pendingPlanOrders(PlanType.Query.PROFIT_LOSS, sym);
          PositionVerdict v = Protection.evaluate(k.userId(), p, plans, config.riskPolicy());
          allProtected &= v.verdict().isProtected();
          Map<String, Object> r = CheckCommand.verdictJson(v);
          r.put("otherOrders", plans.stream().filter(o -> !v.stops().contains(o) && Protection.belongsTo(o, p))
              .map(o -> o.planType().wire() + " " + o.triggerPrice().toPlainString() + " (" + o.orderId() + ")").toList());
          if (dryRun) {
            Contract c = client.contracts().stream().filter(x -> x.symbol().equalsIgnoreCase(sym)).findFirst().orElseThrow();
            var intended = store.journal().intendedStop(k.userId(), sym, direction.name(), p.cTime()).orElse(null);
            RestorePlan plan = intended == null ? RestorePlanner.plan(p, c, config.riskPolicy(), null)
                : RestorePlanner.plan(p, c, config.riskPolicy(), intended.price(), intended.describe());
            PlanOrder existing = plans.stream().filter(o -> o.planType() == PlanType.POS_LOSS && Protection.belongsTo(o, p))
                .findFirst().orElse(null);
            r.put("restore", restoreJson(client, k, p, plan, v.verdict().isProtected(), existing));
          }
          results.add(r);
        } catch (BitgetException e) {
          cli.err().println("stopguard stop-orders: user " + k.userId() + ": " + e.getMessage() + " — " + e.hint());
          return ExitCodes.INCOMPLETE;
        }
      }
    }
    if (results.isEmpty()) {
      cli.out().println("no open " + direction + " position on " + sym + " for any active key");
      return ExitCodes.UNPROTECTED;
    }
    if (json) {
      Json.print(cli.out(), results);
    } else {
      for (Map<String, Object> r : results) printHuman(r);
    }
    return allProtected ? ExitCodes.OK : ExitCodes.UNPROTECTED;
  }

  /**
   * What a restore would send, every step: a position with a pos_loss already (wrong side, beyond
   * liquidation) has it moved, not a second one added: modified (hedge), or cancelled and placed
   * afresh (one-way, as StopPlacer does), and the dry run says so.
   */
  private static Map<String, Object> restoreJson(BitgetClient client, ExchangeKey k, Position p, RestorePlan plan,
      boolean alreadyProtected, PlanOrder existing) {
    Map<String, Object> m = new LinkedHashMap<>();
    if (alreadyProtected) {
      m.put("action", "none");
      m.put("why", "the position is protected; a restore would place nothing");
      return m;
    }
    switch (plan) {
      case RestorePlan.Place pl -> {
        TpslOrder o = TpslOrder.positionStopLoss(pl.symbol(), pl.side(), pl.posMode(), pl.triggerPrice(),
            ClientOids.forRestore(client.baseUrl().toString(), k.userId(), p, 0, Instant.EPOCH, 0));
        m.put("basis", pl.basis());
        if (existing == null) {
          m.put("action", "place");
          m.put("request", "POST /api/v2/mix/order/place-tpsl-order");
          m.put("body", client.requestBody(o));
        } else if (p.posMode() == PosMode.ONE_WAY) {
          m.put("action", "replace");
          m.put("cancel", "POST /api/v2/mix/order/cancel-plan-order orderId " + existing.orderId() + " (trigger "
              + existing.triggerPrice().toPlainString() + ")");
          m.put("request", "POST /api/v2/mix/order/place-tpsl-order");
          m.put("body", client.requestBody(o));
        } else {
          m.put("action", "modify");
          m.put("request", "POST /api/v2/mix/order/modify-tpsl-order orderId " + existing.orderId());
          m.put("body", "triggerPrice " + existing.triggerPrice().toPlainString() + " → " + pl.triggerPrice().toPlainString());
        }
      }
      case RestorePlan.Refuse rf -> {
        m.put("action", "refuse");
        m.put("why", rf.reason());
        m.put("options", rf.options());
      }
    }
    return m;
  }

  @SuppressWarnings("unchecked")
  private void printHuman(Map<String, Object> r) {
    var out = cli.out();
    out.println(r.get("key") + "  size " + r.get("size") + "  entry " + r.get("entry") + "  mark " + r.get("mark")
        + "  liquidation " + r.get("liquidation") + "  → " + r.get("verdict"));
    List<Map<String, Object>> stops = (List<Map<String, Object>>) r.get("stops");
    if (stops.isEmpty()) out.println("  stop orders: none");
    for (Map<String, Object> s : stops) {
      out.println("  " + s.get("planType") + "  trigger " + s.get("triggerPrice") + " (" + s.get("triggerType") + ")"
          + (s.get("size") == null ? "" : "  size " + s.get("size")) + "  orderId " + s.get("orderId"));
    }
    for (String reason : (List<String>) r.get("reasons")) out.println("  ! " + reason);
    for (String other : (List<String>) r.get("otherOrders")) out.println("  other: " + other);
    Map<String, Object> restore = (Map<String, Object>) r.get("restore");
    if (restore != null) {
      switch ((String) restore.get("action")) {
        case "place", "modify" -> {
          out.println("  dry run: a restore would send (" + restore.get("basis") + "):");
          out.println("    " + restore.get("request"));
          out.println("    " + restore.get("body"));
        }
        case "replace" -> {
          out.println("  dry run: a restore would move the stop (" + restore.get("basis") + "): first");
          out.println("    " + restore.get("cancel"));
          out.println("  then");
          out.println("    " + restore.get("request"));
          out.println("    " + restore.get("body"));
        }
        case "refuse" -> {
          out.println("  dry run: a restore would NOT place: " + restore.get("why"));
          out.println("    options: " + restore.get("options"));
        }
        default -> out.println("  dry run: " + restore.get("why"));
      }
    }
  }
}
