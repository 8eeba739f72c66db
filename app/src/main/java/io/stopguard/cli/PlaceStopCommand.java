package io.stopguard.cli;

import io.stopguard.bitget.PosMode;
import io.stopguard.bitget.BitgetClient;
import io.stopguard.bitget.HoldSide;
import io.stopguard.restore.PlacedStop;
import io.stopguard.restore.StopPlacer;
import io.stopguard.restore.StopRequest;
import io.stopguard.store.ExchangeKey;
import io.stopguard.store.Journal;
import io.stopguard.alert.Alerting;
import io.stopguard.check.CheckService;
import io.stopguard.metrics.StopguardMetrics;
import io.stopguard.store.Store;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "place-stop",
    header = "Validate, place and confirm a stop-loss on a position.",
    mixinStandardHelpOptions = true,
    description = {
        "Place a stop-loss on a position (the runbook's \"выставить stop-loss\").",
        "",
        "Before any request it checks side, tick, size, mark and liquidation price.",
        "It places a pos_loss (whole position; --amount equal to the position's",
        "size) or a loss_plan (smaller --amount), market execution on mark price,",
        "with a deterministic clientOid, then confirms the order in",
        "orders-plan-pending and prints its id. Every attempt goes to audit_log.",
        "",
        "Example:",
        "  stopguard place-stop --user 556251171 --symbol DASHUSDT --direction SHORT \\",
        "      --amount 0.21 --stop-price 70.43",
        "",
        "Exit codes: 0 placed and confirmed, 2 refused before sending (bad input),",
        "3 Bitget refused or could not be reached (its code and a hint are shown).",
    })
final class PlaceStopCommand implements Callable<Integer> {
  private final Cli cli;

  @Mixin
  HomeOptions home;

  @Mixin
  ExchangeOptions exchange;

  @Option(names = "--user", required = true, paramLabel = "ID", description = "The user whose position it is.")
  String user;

  @Option(names = "--symbol", required = true, paramLabel = "SYMBOL", converter = SymbolConverter.class,
      description = "Contract, e.g. DASHUSDT.")
  String symbol;

  @Option(names = "--direction", required = true, paramLabel = "LONG|SHORT", converter = HoldSideConverter.class,
      description = "Position side.")
  HoldSide direction;

  @Option(names = "--amount", paramLabel = "SIZE",
      description = "Size to protect (default: the whole position).")
  BigDecimal amount;

  @Option(names = "--stop-price", required = true, paramLabel = "PRICE", description = "Trigger price (mark price).")
  BigDecimal stopPrice;

  @Option(names = "--replace", description = "If the position already has a pos_loss, move it to this price.")
  boolean replace;

  @Option(names = "--dry-run", description = "Validate and show the exact request; send nothing.")
  boolean dryRun;

  PlaceStopCommand(Cli cli) {
    this.cli = cli;
  }

  /**
   * The runbook's next step after a placement is "is the flag back to 0?": look at this user's
   * accounts again, end the incident, and lower the flag if no other bare position is known.
   */
  private void lowerFlagIfLast(Store store) {
    var config = home.config(cli);
    Alerting alerting = Alerting.from(cli.env(), config);
    CheckService service = Services.checkService(cli, home, exchange, store, config, alerting, new StopguardMetrics());
    try {
      service.recheckUser(user);
      cli.out().flush();
      service.deliverAlerts();
    } catch (RuntimeException e) {
      cli.err().println("stopguard place-stop: the stop is placed, but the flag was not updated (" + e.getMessage()
          + "); run: stopguard check");
      return;
    }
    store.flag(Store.FLAG_STOPLOSS_MISSING).ifPresent(f -> cli.out().println("risk_flags: " + f.flag() + " = " + f.value()
        + (f.value() == 1 ? " (other bare positions: " + f.detail() + ")" : "")));
  }

  @Override
  public Integer call() {
    String sym = symbol.toUpperCase(Locale.ROOT);
    StopRequest req = new StopRequest(sym, direction, amount, stopPrice, replace);
    var check = exchange.check(cli, home, home.config(cli).riskPolicy());
    try (Store store = home.openStore(cli)) {
      ExchangeKey key = Accounts.oneKey(store, user);
      BitgetClient client = check.client(key);
      StopPlacer placer = new StopPlacer(client, user, "cli:" + System.getProperty("user.name", "?"), store.journal()::audit);
      if (dryRun) {
        StopPlacer.Preview pv = placer.preview(req);
        boolean oneWay = pv.position().posMode() == PosMode.ONE_WAY;
        cli.out().println("dry run: valid; would send" + (pv.existing().isEmpty() ? ":"
            : (oneWay ? " cancel-plan-order for " : " modify-tpsl-order for ") + pv.existing().get().orderId() + " (replacing trigger "
              + pv.existing().get().triggerPrice().toPlainString() + ")" + (oneWay ? ", then:" : "")));
        cli.out().println("  POST /api/v2/mix/order/place-tpsl-order");
        cli.out().println("  " + client.requestBody(pv.order()));
        return ExitCodes.OK;
      }
      StopPlacer.Preview pv = placer.preview(req);
      PlacedStop s = placer.place(pv);
      store.journal().setIntendedStop(user, sym, direction.name(), stopPrice, Journal.IntendedStop.PLACE_STOP,
          pv.position().cTime(), Instant.now());
      cli.out().println(s.action() + " " + s.planType().wire() + " " + sym + " " + direction + " trigger "
          + s.triggerPrice().toPlainString() + " (mark_price, market)" + (s.size() == null ? "" : " size " + s.size().toPlainString())
          + " orderId=" + s.orderId() + " clientOid=" + s.clientOid());
      if (!s.confirmed()) {
        cli.err().println("stopguard place-stop: Bitget accepted the order but it is not (yet) in orders-plan-pending;"
            + " check with: stopguard stop-orders --user " + user + " --symbol " + sym + " --direction " + direction);
        return ExitCodes.INCOMPLETE;
      }
      cli.out().println("confirmed in orders-plan-pending");
      lowerFlagIfLast(store);
      return ExitCodes.OK;
    }
  }
}
