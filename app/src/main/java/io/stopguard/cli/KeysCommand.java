package io.stopguard.cli;

import io.stopguard.bitget.BitgetApiException;
import io.stopguard.bitget.BitgetException;
import io.stopguard.bitget.IpBudget;
import io.stopguard.bitget.Credentials;
import io.stopguard.risk.Policy;
import io.stopguard.store.ActiveKeys;
import io.stopguard.store.ExchangeKey;
import io.stopguard.store.KeyRow;
import io.stopguard.store.SecretBox;
import io.stopguard.store.Store;
import io.stopguard.store.UnusableKey;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "keys",
    mixinStandardHelpOptions = true,
    header = "Manage API keys in user_exchange_keys: add, import, export, list, verify, deactivate, reset.",
    description = "Manage the exchange API keys in user_exchange_keys (secrets encrypted at rest).",
    subcommands = {KeysCommand.Add.class, KeysImport.class, KeysExport.class, KeysCommand.ListKeys.class, KeysCommand.Verify.class,
        KeysCommand.RotateMasterKey.class,
        KeysCommand.Deactivate.class, KeysCommand.Reset.class})
final class KeysCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static String exchange(String exchange) {
    String e = exchange.toLowerCase(Locale.ROOT);
    if (!e.equals("bitget")) throw new UsageException("unsupported exchange '" + exchange + "' (only: bitget)");
    return e;
  }

  /** The text with anything outside printable ASCII shown as '?': never a raw control byte on a terminal. */
  static String printable(String s) {
    StringBuilder sb = new StringBuilder();
    s.codePoints().forEach(c -> sb.append(c >= 0x20 && c <= 0x7e ? (char) c : '?'));
    return sb.toString();
  }

  /** Secret and passphrase from the environment, a terminal prompt, or two lines of stdin; never argv. */
  static String[] readSecret(Cli cli) throws IOException {
    String secret = cli.env("BITGET_API_SECRET");
    String pass = cli.env("BITGET_API_PASSPHRASE");
    if (secret == null || pass == null) {
      if (cli.interactive() && System.console() != null) {
        if (secret == null) secret = new String(System.console().readPassword("API secret: "));
        if (pass == null) pass = new String(System.console().readPassword("API passphrase: "));
      } else {
        BufferedReader r = cli.stdinReader();
        if (secret == null) secret = r.readLine();
        if (pass == null) pass = r.readLine();
      }
    }
    if (secret == null || secret.isBlank() || pass == null || pass.isBlank()) {
      throw new UsageException("secret and passphrase are required: set BITGET_API_SECRET and BITGET_API_PASSPHRASE,"
          + " or pipe two lines (secret, passphrase) on stdin");
    }
    secret = secret.strip();
    pass = pass.strip();
    for (String problem : new String[] {Credentials.problem("the secret", secret), Credentials.problem("the passphrase", pass)}) {
      if (problem != null) throw new UsageException(problem + "; nothing was stored");
    }
    return new String[] {secret, pass};
  }

  /** An API key Bitget could accept (it travels in a header); the message never echoes a control byte. */
  static void requireAcceptableKey(String apiKey) {
    String problem = Credentials.problem("--api-key", apiKey);
    if (problem != null) throw new UsageException(problem + "; nothing was stored");
  }

  @Command(name = "add",
      header = "Store an API key for a user (secret from stdin or env, never argv).",
      mixinStandardHelpOptions = true,
      description = {
          "Store an API key for a user and mark it active.",
          "",
          "The secret and the passphrase are never taken from the command line (it ends up in shell",
          "history and ps). They come from BITGET_API_SECRET and BITGET_API_PASSPHRASE, or from stdin:",
          "a prompt on a terminal, else two lines (secret, then passphrase).",
          "",
          "Example:",
          "  printf '%%s\\n%%s\\n' \"$SECRET\" \"$PASS\" | stopguard keys add --user 556251171 --exchange bitget --api-key bg_...",
      })
  static final class Add implements Callable<Integer> {
    private final Cli cli;

    @Mixin
    HomeOptions home;

    @Option(names = "--user", required = true, paramLabel = "ID", description = "User id (as in user_exchange_keys.user_id).")
    String user;

    @Option(names = "--exchange", required = true, paramLabel = "NAME", description = "Exchange name: bitget.")
    String exchange;

    @Option(names = "--api-key", required = true, paramLabel = "KEY", description = "The API key (not secret).")
    String apiKey;

    @Option(names = "--demo", description = "A Bitget demo-trading key (paptrading header, SUSDT-FUTURES).")
    boolean demo;

    @Option(names = "--verify", description = {"Ask Bitget first what the key may do (permissions, bound addresses) and",
        "refuse one that cannot restore a stop or can withdraw (see --read-only-ok, --allow-withdraw)."})
    boolean verify;

    @Option(names = "--read-only-ok", description = "With --verify: store a key without futures trading, for checks only (\"watched, cannot restore\").")
    boolean readOnlyOk;

    @Option(names = "--allow-withdraw", description = "With --verify: store a key that can withdraw funds (listed as a risk).")
    boolean allowWithdraw;

    @Mixin
    ExchangeOptions exchangeOptions;

    Add(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() throws IOException {
      String ex = exchange(exchange);
      if (user.isBlank() || !user.matches("[A-Za-z0-9_.@-]+")) {
        throw new UsageException("--user must be letters, digits or _.@- (got '" + printable(user) + "')");
      }
      requireAcceptableKey(apiKey);
      String[] sp = readSecret(cli);
      KeyVetting.Verdict v = null;
      if (verify) {
        var check = exchangeOptions.check(cli, Policy.DEFAULT, IpBudget.shared(),
            ExchangeOptions.sourceAddress(cli));
        var client = check.client(new ExchangeKey(0, user, ex, demo, new Credentials(apiKey, sp[0], sp[1])));
        try {
          v = new KeyVetting(readOnlyOk, allowWithdraw).vet(client, ExchangeOptions.sourceIp(cli));
        } catch (BitgetException e) {
          cli.err().println("stopguard keys add: Bitget refused key " + Credentials.maskKey(apiKey) + ": " + e.getMessage() + " — "
              + e.hint() + "; nothing stored");
          return ExitCodes.INCOMPLETE;
        }
        if (v.refused()) {
          cli.err().println("stopguard keys add: user " + user + " key " + Credentials.maskKey(apiKey) + ": " + v.refusal()
              + "; nothing stored");
          return ExitCodes.INCOMPLETE;
        }
        for (String w : v.warnings()) cli.err().println("stopguard keys add: warning: user " + user + ": " + w);
      }
      home.allowCreating(cli.err());
      try (Store store = home.openStore(cli)) {
        store.keys().put(user, ex, apiKey, sp[0], sp[1], demo);
        if (v != null && v.info() != null) store.keys().recordInfo(ex, apiKey, v.info());
        cli.out().println("stored " + ex + " key " + Credentials.maskKey(apiKey) + " for user " + user
            + (demo ? " (demo trading)" : "") + " in " + store.where() + ": active");
      }
      return ExitCodes.OK;
    }
  }

  @Command(name = "list",
      header = "List stored keys; never shows a secret.",
      mixinStandardHelpOptions = true,
      description = "List stored keys: user, exchange, masked key, active. Never shows a secret.")
  static final class ListKeys implements Callable<Integer> {
    private final Cli cli;

    @Mixin
    HomeOptions home;

    @Option(names = "--json", description = "JSON output (masked keys; never a secret).")
    boolean json;

    ListKeys(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      try (Store store = home.openStore(cli)) {
        List<KeyRow> rows = store.keys().list();
        if (json) {
          List<Map<String, Object>> out = new ArrayList<>();
          for (KeyRow k : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("userId", printable(k.userId()));
            m.put("exchange", k.exchange());
            m.put("apiKey", Credentials.maskKey(k.apiKey()));
            m.put("isActive", k.active());
            m.put("demoTrading", k.demoTrading());
            m.put("updatedAt", k.updatedAt());
            m.put("permissions", k.info() == null ? null : k.info().authorities());
            m.put("boundIps", k.info() == null ? null : k.info().ips());
            m.put("canWithdraw", k.info() != null && k.info().canWithdraw());
            m.put("canRestore", k.info() == null || !Boolean.FALSE.equals(k.info().canTrade()));
            out.add(m);
          }
          Json.print(cli.out(), out);
          return ExitCodes.OK;
        }
        if (rows.isEmpty()) {
          cli.out().println("no keys in " + store.where() + "; add one with: stopguard keys add --help");
          return ExitCodes.OK;
        }
        cli.out().printf("%-16s %-9s %-12s %-9s %-5s %-20s %s%n", "USER_ID", "EXCHANGE", "API_KEY", "IS_ACTIVE", "DEMO", "UPDATED_AT",
            "PERMISSIONS");
        for (KeyRow k : rows) {
          cli.out().printf("%-16s %-9s %-12s %-9s %-5s %-20s %s%n", printable(k.userId()), k.exchange(), Credentials.maskKey(k.apiKey()),
              k.active() ? "1" : "0", k.demoTrading() ? "yes" : "no", k.updatedAt(), KeyVetting.describe(k.info()));
        }
      }
      return ExitCodes.OK;
    }
  }

  @Command(name = "verify",
      header = "Check keys against Bitget: signature, read access, clock skew.",
      mixinStandardHelpOptions = true,
      description = {
          "Check stored keys against the exchange: signature and passphrase",
          "accepted, positions readable, clock skew to Bitget's server time, and what",
          "the key may do (Bitget's account/info: permissions, bound addresses), which",
          "is stored. A key that cannot trade futures, or can withdraw, is a failure",
          "unless stored so on purpose (keys add --verify --read-only-ok / --allow-withdraw).",
          "STOPGUARD_SOURCE_IP asks from that address, as watch does.",
          "",
          "Exit codes: 0 every key works, 3 at least one does not.",
      })
  static final class Verify implements Callable<Integer> {
    private final Cli cli;

    @Mixin
    HomeOptions home;

    @Mixin
    ExchangeOptions exchange;

    @Option(names = "--user", paramLabel = "ID", description = "Only this user's keys (default: all active keys).")
    String user;

    @Option(names = "--json", description = "JSON output: one object per key (masked key, ok, positions, clock skew or error).")
    boolean json;

    Verify(Cli cli) {
      this.cli = cli;
    }

    /** One key's answer; the key masked, never a secret. */
    record Result(String userId, String apiKey, boolean ok, Integer openPositions, Long clockSkewMs, String errorCode,
        String error, String hint, List<String> permissions, List<String> boundIps, List<String> warnings) {
      Result(String userId, String apiKey, boolean ok, Integer openPositions, Long clockSkewMs, String errorCode, String error,
          String hint) {
        this(userId, apiKey, ok, openPositions, clockSkewMs, errorCode, error, hint, null, null, List.of());
      }
    }

    @Override
    public Integer call() {
      var check = exchange.check(cli, home, Policy.DEFAULT);
      String from = ExchangeOptions.sourceIp(cli);
      List<Result> results = new ArrayList<>();
      try (Store store = home.openStore(cli)) {
        ActiveKeys active = user == null ? store.keys().active("bitget") : store.keys().active("bitget", user);
        if (active.isEmpty() && user != null) {
          throw new UsageException("user " + user + " has no active bitget key in " + store.where());
        }
        // A key that cannot be used (undecryptable, characters no header carries) is a failure of its
        // own, never left out: it was skipped in silence whenever another key was usable.
        for (UnusableKey u : active.unusable()) {
          results.add(new Result(u.userId(), u.maskedKey(), false, null, null, "unusable_key", "cannot be used: " + u.reason(),
              u.undecryptable() ? "restore the fleet's master key, or keys reset with the key's secret" : "keys reset with a valid value"));
        }
        for (var k : active.usable()) {
          var client = check.client(k);
          try {
            long skew = client.syncClock();
            KeyVetting.Verdict v = new KeyVetting(k.info() != null && Boolean.FALSE.equals(k.info().canTrade()),
                k.info() != null && k.info().canWithdraw()).vet(client, from);
            if (v.info() != null) store.keys().recordInfo(k.exchange(), k.credentials().apiKey(), v.info());
            if (v.info() == null) { // bound elsewhere: positions cannot be read from here either
              results.add(new Result(k.userId(), k.credentials().maskedKey(), true, null, skew, "40018", null, null, null, null,
                  v.warnings()));
              continue;
            }
            int n = client.allPositions().size();
            results.add(new Result(k.userId(), k.credentials().maskedKey(), !v.refused(), n, skew, v.refused() ? "permissions" : null,
                v.refusal(), v.refused() ? "make a key with futures read and trade only" : null, v.info().authorities(),
                v.info().ips(), v.warnings()));
          } catch (BitgetException e) {
            results.add(new Result(k.userId(), k.credentials().maskedKey(), false, null, null,
                e instanceof BitgetApiException api ? api.code() : null, e.getMessage(), e.hint()));
          }
        }
      }
      if (json) {
        Json.print(cli.out(), results);
      } else {
        for (Result r : results) {
          String who = r.userId() + " " + r.apiKey();
          if (r.ok() && r.openPositions() == null) {
            cli.out().println(who + ": " + String.join("; ", r.warnings()));
          } else if (r.ok()) {
            long skew = r.clockSkewMs();
            cli.out().println(who + ": ok, positions readable (" + r.openPositions() + " open), clock skew " + (skew >= 0 ? "+" : "")
                + skew + " ms" + (Math.abs(skew) > 5_000 ? " (large: fix NTP; signatures allow 30 s)" : "")
                + (r.permissions() == null ? "" : "; permissions " + String.join(",", r.permissions())
                + (r.boundIps().isEmpty() ? ", any address" : ", bound to " + String.join(",", r.boundIps())))
                + (r.warnings().isEmpty() ? "" : "; " + String.join("; ", r.warnings())));
          } else {
            cli.out().println(who + ": FAILED " + r.error() + " — " + r.hint());
          }
        }
      }
      return results.stream().allMatch(Result::ok) ? ExitCodes.OK : ExitCodes.INCOMPLETE;
    }
  }

  @Command(name = "deactivate",
      header = "Mark a user's key(s) inactive.",
      mixinStandardHelpOptions = true,
      description = "Mark a user's key(s) inactive: checks and the guard stop using them. Nothing is deleted.")
  static final class Deactivate implements Callable<Integer> {
    private final Cli cli;

    @Mixin
    HomeOptions home;

    @Option(names = "--user", required = true, paramLabel = "ID", description = "The user.")
    String user;

    @Option(names = "--exchange", paramLabel = "NAME", defaultValue = "bitget", description = "Exchange (default: ${DEFAULT-VALUE}).")
    String exchange;

    @Option(names = "--api-key", paramLabel = "KEY", description = "Only this key (default: all of the user's keys).")
    String apiKey;

    Deactivate(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      String ex = exchange(exchange);
      try (Store store = home.openStore(cli)) {
        int n = store.keys().setActive(user, ex, apiKey, false);
        if (n == 0) throw new UsageException("no " + ex + " key" + (apiKey == null ? "" : " " + Credentials.maskKey(apiKey))
            + " for user " + user + " (stopguard keys list)");
        cli.out().println("deactivated " + n + " " + ex + " key(s) of user " + user);
      }
      return ExitCodes.OK;
    }
  }

  @Command(name = "reset",
      header = "Replace a key's secret and passphrase (reset_bitget_keys).",
      mixinStandardHelpOptions = true,
      description = {
          "Replace the secret and passphrase of a stored key and reactivate it (the",
          "runbook's reset_bitget_keys). Secret and passphrase as for `keys add`.",
      })
  static final class Reset implements Callable<Integer> {
    private final Cli cli;

    @Mixin
    HomeOptions home;

    @Option(names = "--user", required = true, paramLabel = "ID", description = "The user.")
    String user;

    @Option(names = "--exchange", paramLabel = "NAME", defaultValue = "bitget", description = "Exchange (default: ${DEFAULT-VALUE}).")
    String exchange;

    @Option(names = "--api-key", required = true, paramLabel = "KEY", description = "The key to reset.")
    String apiKey;

    Reset(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() throws IOException {
      String ex = exchange(exchange);
      try (Store store = home.openStore(cli)) {
        KeyRow row = store.keys().list().stream()
            .filter(k -> k.userId().equals(user) && k.exchange().equals(ex) && k.apiKey().equals(apiKey)).findFirst()
            .orElseThrow(() -> new UsageException("user " + user + " has no " + ex + " key " + Credentials.maskKey(apiKey)
                + "; to add a new key use: stopguard keys add"));
        String[] sp = readSecret(cli);
        store.keys().put(user, ex, apiKey, sp[0], sp[1], row.demoTrading());
        cli.out().println("reset " + ex + " key " + Credentials.maskKey(apiKey) + " of user " + user + ": active;"
            + " verify it with: stopguard keys verify --user " + user);
      }
      return ExitCodes.OK;
    }
  }

  @Command(name = "rotate-master-key",
      header = "Seal every stored key under a new master key, in one transaction.",
      mixinStandardHelpOptions = true,
      description = {
          "Re-encrypts every key (active or not) under the master key in FILE (base64 of 32 bytes; a",
          "new one is made, mode 0600, if FILE does not exist) and records its identifier, all in one",
          "transaction: nothing changes if any row does not open with the current key. Then install",
          "FILE as master.key (or STOPGUARD_MASTER_KEY_FILE) on every host and restart them: an",
          "instance with the old key refuses to start. Stop the fleet first.",
          "Example: stopguard keys rotate-master-key --new-key-file /root/master.key.new",
      })
  static final class RotateMasterKey implements Callable<Integer> {
    private final Cli cli;

    @Mixin
    HomeOptions home;

    @Option(names = "--new-key-file", required = true, paramLabel = "FILE", description = "The new master key (made if missing).")
    Path file;

    RotateMasterKey(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      SecretBox next = SecretBox.fromEnvOrFile(Map.of(), file); // the file's key, or a new one made there
      try (Store store = home.openStore(cli)) {
        String before = store.meta("master_key_id");
        int[] n = {0};
        store.inTransaction(() -> n[0] = store.keys().reseal(next));
        cli.out().println("re-sealed " + n[0] + " key(s) in " + store.where() + " under master key " + next.keyId()
            + (before == null ? "" : " (was " + before + ")") + "; install " + file + " as master.key (or "
            + SecretBox.FILE_ENV + ") on every host, then restart them");
      }
      return ExitCodes.OK;
    }
  }
}
