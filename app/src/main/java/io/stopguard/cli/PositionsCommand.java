package io.stopguard.cli;

import io.stopguard.bitget.BitgetException;
import io.stopguard.bitget.PlanOrder;
import io.stopguard.bitget.PlanType;
import io.stopguard.bitget.Position;
import io.stopguard.check.StopLossCheck;
import io.stopguard.risk.PositionVerdict;
import io.stopguard.risk.Protection;
import io.stopguard.store.ExchangeKey;
import io.stopguard.store.Store;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "positions",
    header = "List a user's positions with entry, mark, liquidation, PnL and verdict.",
    mixinStandardHelpOptions = true,
    description = {
        "List a user's open positions with their protection verdict",
        "(the runbook's \"определить позицию\"): symbol, side, size, entry, mark,",
        "liquidation, unrealized PnL, stop-loss and verdict.",
        "",
        "Example: stopguard positions --user 556251171 --exchange bitget",
    })
final class PositionsCommand implements Callable<Integer> {
  private final Cli cli;

  @Mixin
  HomeOptions home;

  @Mixin
  ExchangeOptions exchange;

  @Option(names = "--user", paramLabel = "ID", description = "The user (default: every user with an active key).")
  String user;

  @Option(names = "--exchange", paramLabel = "NAME", defaultValue = "bitget", description = "Exchange (default: ${DEFAULT-VALUE}).")
  String exchangeName;

  @Option(names = "--json", description = "JSON instead of a table.")
  boolean json;

  PositionsCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    Accounts.requireBitget(exchangeName);
    var config = home.config(cli);
    StopLossCheck check = exchange.check(cli, home, config.riskPolicy());
    List<PositionVerdict> all = new ArrayList<>();
    try (Store store = home.openStore(cli)) {
      for (ExchangeKey k : Accounts.keys(store, user)) {
        try {
          var client = check.client(k);
          List<Position> positions = client.allPositions();
          List<PlanOrder> plans = client.pendingPlanOrders(PlanType.Query.PROFIT_LOSS, null);
          all.addAll(Protection.evaluate(k.userId(), positions, plans, config.riskPolicy()));
        } catch (BitgetException e) {
          cli.err().println("stopguard positions: user " + k.userId() + " (key " + k.credentials().maskedKey() + "): "
              + e.getMessage() + " — " + e.hint());
          return ExitCodes.INCOMPLETE;
        }
      }
    }
    if (json) {
      Json.print(cli.out(), all.stream().map(CheckCommand::verdictJson).toList());
      return ExitCodes.OK;
    }
    if (all.isEmpty()) {
      cli.out().println("no open positions" + (user == null ? "" : " for user " + user));
      return ExitCodes.OK;
    }
    String fmt = "%-12s %-10s %-5s %10s %11s %11s %11s %11s %11s  %s%n";
    cli.out().printf(fmt, "USER", "SYMBOL", "SIDE", "SIZE", "ENTRY", "MARK", "LIQ", "PNL", "STOP", "VERDICT");
    for (PositionVerdict v : all) {
      Position p = v.position();
      String stop = v.stops().stream().filter(o -> o.planType() == PlanType.POS_LOSS).map(o -> plain(o.triggerPrice()))
          .findFirst().orElse(v.stops().isEmpty() ? "-" : plain(v.stops().get(0).triggerPrice()));
      cli.out().printf(fmt, v.userId(), p.symbol(), p.holdSide().name(), plain(p.total()), plain(p.openPriceAvg()),
          plain(p.markPrice()), plain(p.liquidationPrice()), plain(p.unrealizedPL()), stop, v.verdict());
    }
    return ExitCodes.OK;
  }

  static String plain(BigDecimal d) {
    return d == null ? "-" : d.toPlainString();
  }
}
