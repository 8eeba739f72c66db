package io.stopguard.cli;

import io.stopguard.bitget.BitgetException;
import io.stopguard.bitget.KeyInfo;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import io.stopguard.bitget.Credentials;
import io.stopguard.guard.WatchLock;
import io.stopguard.risk.Policy;
import io.stopguard.store.ExchangeKey;
import io.stopguard.store.Keys;
import io.stopguard.store.Store;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "import",
    header = "Store many keys at once from CSV or JSON Lines (a team's key list).",
    mixinStandardHelpOptions = true,
    description = {
        "Store many API keys in one transaction, from a file or stdin.",
        "",
        "CSV needs a header: user_id,exchange,api_key,secret,passphrase[,demo]",
        "JSON Lines: one object a line with the same fields (demo: true/false).",
        "",
        "Every row is checked before anything is stored, and an error names its",
        "line; one bad row stores nothing (unless --skip-bad). The same key again",
        "is \"unchanged\". Secrets are never printed. Keep the file 0600 and delete",
        "it afterwards: it holds secrets in clear.",
        "",
        "Examples:",
        "  stopguard keys import --file keys.csv",
        "  cat keys.jsonl | stopguard keys import --format jsonl --dry-run",
        "  stopguard keys import --file keys.csv --verify     # ask Bitget about every key first",
        "",
        "Exit codes: 0 all stored (or all valid, with --dry-run), 2 bad rows and nothing stored,",
        "3 stored with --skip-bad but some rows failed.",
    })
final class KeysImport implements Callable<Integer> {
  private final Cli cli;

  @Mixin
  HomeOptions home;

  @Option(names = "--file", paramLabel = "FILE", description = "Read this file (default: stdin).")
  Path file;

  @Option(names = "--format", paramLabel = "csv|jsonl",
      description = "Input format (default: from the file name, else from the first character: '{' is JSON Lines).")
  String format;

  @Option(names = "--skip-bad", description = "Store the good rows and report the bad ones (default: all or nothing).")
  boolean skipBad;

  @Option(names = "--dry-run", description = "Check every row and say what would change; store nothing.")
  boolean dryRun;

  @Option(names = "--verify", description = {
      "Also check every key against Bitget before storing (signature, passphrase, positions readable),",
      "concurrently within Bitget's per-IP budget, with a progress line. A key Bitget refuses is a bad row."})
  boolean verify;

  @Option(names = "--read-only-ok", description = "With --verify: store keys without futures trading, for checks only.")
  boolean readOnlyOk;

  @Option(names = "--allow-withdraw", description = "With --verify: store keys that can withdraw funds (listed as a risk).")
  boolean allowWithdraw;

  @Mixin
  ExchangeOptions exchange;

  /** What Bitget said of each verified row's key (rows bound elsewhere have none). */
  private final Map<Row, KeyInfo> infos = new ConcurrentHashMap<>();
  /** Keys refused for what they may do: one line each, the others stored, exit 3. */
  private final List<String> refusedKeys = Collections.synchronizedList(new ArrayList<>());

  KeysImport(Cli cli) {
    this.cli = cli;
  }

  /** One row as read, with the line it came from. */
  record Row(long line, String userId, String exchange, String apiKey, String secret, String passphrase, boolean demo,
      boolean active) {}

  @Override
  public Integer call() throws IOException {
    String text = file == null ? new String(cli.in().readAllBytes(), StandardCharsets.UTF_8) : read(file);
    String fmt = format(text);
    List<String> errors = new ArrayList<>();
    List<Row> parsed = fmt.equals("csv") ? csv(text, errors) : jsonl(text, errors);
    Map<String, Long> seen = new HashMap<>();
    for (Row r : List.copyOf(parsed)) {
      Long first = seen.putIfAbsent(r.exchange() + "|" + r.apiKey(), r.line());
      if (first != null) {
        errors.add("line " + r.line() + ": api_key " + Credentials.maskKey(r.apiKey()) + " already on line " + first);
        parsed.remove(r);
      }
    }
    List<Row> rows = verify && !parsed.isEmpty() && (errors.isEmpty() || skipBad) ? verified(parsed, errors) : parsed;
    errors.sort(Comparator.comparingLong(KeysImport::lineOf));
    for (String e : errors) cli.err().println("stopguard keys import: " + e);
    refusedKeys.sort(Comparator.comparingLong(KeysImport::lineOf));
    for (String e : refusedKeys) cli.err().println("stopguard keys import: " + e);
    if (!errors.isEmpty() && !skipBad) {
      cli.err().println("stopguard keys import: " + errors.size() + " bad row(s); nothing was stored"
          + " (fix them, or store the good rows with --skip-bad)");
      return ExitCodes.USAGE;
    }
    Map<Keys.Change, Integer> counts = new EnumMap<>(Keys.Change.class);
    home.allowCreating(cli.err());
    try (Store store = home.openStore(cli)) {
      if (dryRun) {
        cli.out().println("dry run: " + rows.size() + " row(s) valid" + (verify ? " and accepted by Bitget" : "") + (errors.isEmpty() ? "" : ", " + errors.size()
            + " bad") + "; nothing stored");
        return errors.isEmpty() ? ExitCodes.OK : ExitCodes.USAGE;
      }
      store.inTransaction(() -> {
        for (Row r : rows) {
          counts.merge(store.keys().putIfChanged(r.userId(), r.exchange(), r.apiKey(), r.secret(), r.passphrase(), r.demo(),
              r.active()), 1, Integer::sum);
          KeyInfo info = infos.get(r);
          if (info != null) store.keys().recordInfo(r.exchange(), r.apiKey(), info);
        }
      });
      cli.out().println("imported into " + store.where() + ": added " + counts.getOrDefault(Keys.Change.ADDED, 0)
          + ", updated " + counts.getOrDefault(Keys.Change.UPDATED, 0) + ", unchanged "
          + counts.getOrDefault(Keys.Change.UNCHANGED, 0) + ", failed " + errors.size()
          + (refusedKeys.isEmpty() ? "" : ", refused " + refusedKeys.size())
          + (verify ? "; every stored key was accepted by Bitget" : "; check them against Bitget with: stopguard keys verify"));
    }
    return errors.isEmpty() && refusedKeys.isEmpty() ? ExitCodes.OK : ExitCodes.INCOMPLETE;
  }

  private static long lineOf(String error) {
    Matcher m = Pattern.compile("^line (\\d+)").matcher(error);
    return m.find() ? Long.parseLong(m.group(1)) : Long.MAX_VALUE;
  }

  /**
   * Asks Bitget about every row's key (as {@code keys verify} does), many at once; the per-IP budget
   * paces them. Returns the rows Bitget accepted; each refused one becomes an error naming its line.
   */
  private List<Row> verified(List<Row> rows, List<String> errors) {
    // The home may not exist yet (it is created only if something gets stored): no watcher can run in it then.
    boolean besideWatcher = home.existing(cli).map(WatchLock::anyHeld).orElse(false);
    var check = exchange.check(cli, Policy.DEFAULT, ExchangeOptions.oneOffBudget(besideWatcher));
    int total = rows.size();
    AtomicInteger done = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    Progress progress = new Progress(cli, total);
    Semaphore permits = new Semaphore(16);
    Map<Row, String> refused = new ConcurrentHashMap<>();
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (Row r : rows) {
        pool.submit(() -> {
          permits.acquireUninterruptibly();
          try {
            var key = new ExchangeKey(0, r.userId(), r.exchange(), r.demo(),
                new Credentials(r.apiKey(), r.secret(), r.passphrase()));
            var client = check.client(key);
            KeyVetting.Verdict v = new KeyVetting(readOnlyOk, allowWithdraw).vet(client, ExchangeOptions.sourceIp(cli));
            if (v.refused()) {
              refusedKeys.add("line " + r.line() + ": user " + r.userId() + " key " + Credentials.maskKey(r.apiKey()) + ": "
                  + v.refusal());
              refused.put(r, "");
              return;
            }
            for (String w : v.warnings()) {
              cli.err().println("stopguard keys import: warning: line " + r.line() + ": user " + r.userId() + ": " + w);
            }
            if (v.info() == null) return; // bound elsewhere: nothing more can be asked from here
            infos.put(r, v.info());
            client.allPositions();
          } catch (BitgetException e) {
            failed.incrementAndGet();
            refused.put(r, e.getMessage() + " — " + e.hint());
          } catch (RuntimeException e) {
            failed.incrementAndGet();
            refused.put(r, String.valueOf(e.getMessage()));
          } finally {
            permits.release();
            progress.update(done.incrementAndGet(), failed.get());
          }
        });
      }
    }
    progress.finish(failed.get());
    List<Row> ok = new ArrayList<>();
    for (Row r : rows) {
      String why = refused.get(r);
      if (why == null) ok.add(r);
      else if (!why.isEmpty()) errors.add("line " + r.line() + ": Bitget refused key " + Credentials.maskKey(r.apiKey()) + " of user "
          + r.userId() + ": " + why);
    }
    return ok;
  }

  /** "verifying keys with Bitget: 120/1000, 2 refused" on stderr: redrawn on a terminal, every 10 % otherwise. */
  private static final class Progress {
    private final Cli cli;
    private final int total;
    private long lastDraw;
    private int lastTenth;

    Progress(Cli cli, int total) {
      this.cli = cli;
      this.total = total;
    }

    synchronized void update(int done, int failed) {
      if (cli.interactive()) {
        long now = System.nanoTime();
        if (done < total && now - lastDraw < 100_000_000L) return;
        lastDraw = now;
        cli.err().print("\rverifying keys with Bitget: " + done + "/" + total + ", " + failed + " refused");
        cli.err().flush();
      } else {
        int tenth = done * 10 / total;
        if (tenth == lastTenth && done < total) return;
        lastTenth = tenth;
        if (done < total) cli.err().println("verifying keys with Bitget: " + done + "/" + total + ", " + failed + " refused");
      }
    }

    synchronized void finish(int failed) {
      if (cli.interactive()) cli.err().println();
      cli.err().println("verified " + total + " key(s) with Bitget: " + (total - failed) + " accepted, " + failed + " refused");
    }
  }

  private static String read(Path f) {
    try {
      return Files.readString(f, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UsageException("cannot read " + f + ": " + e.getMessage());
    }
  }

  private String format(String text) {
    String f = format != null ? format.toLowerCase(Locale.ROOT)
        : file != null && file.toString().endsWith(".csv") ? "csv"
        : file != null && (file.toString().endsWith(".jsonl") || file.toString().endsWith(".ndjson")) ? "jsonl"
        : text.stripLeading().startsWith("{") ? "jsonl" : "csv";
    if (!f.equals("csv") && !f.equals("jsonl")) throw new UsageException("--format must be csv or jsonl (got '" + format + "')");
    return f;
  }

  /**
   * Each data line is read on its own against the header, so one malformed line (a column too many
   * or too few, a stray quote) is that line's error, by number, and never shown: it may hold a
   * secret. Jackson's own message quotes the offending value, and its error ended the whole import.
   */
  private List<Row> csv(String text, List<String> errors) {
    List<Row> rows = new ArrayList<>();
    CsvMapper mapper = new CsvMapper();
    CsvSchema schema = CsvSchema.emptySchema().withHeader().withColumnReordering(true);
    String[] lines = text.split("\r\n|\r|\n", -1);
    int first = 0;
    while (first < lines.length && lines[first].isBlank()) first++;
    if (first == lines.length || !lines[first].contains("user_id")) {
      throw new UsageException("not CSV with a header line user_id,exchange,api_key,secret,passphrase[,demo]");
    }
    String header = lines[first];
    for (int i = first + 1; i < lines.length; i++) {
      if (lines[i].isBlank()) continue;
      long line = i + 1;
      Map<String, String> m;
      try (MappingIterator<Map<String, String>> it = mapper.readerForMapOf(String.class).with(schema)
          .readValues(header + "\n" + lines[i])) {
        m = it.hasNextValue() ? it.nextValue() : null;
        if (m == null || it.hasNextValue()) throw new IOException("not one row");
      } catch (IOException | RuntimeException e) {
        errors.add("line " + line + ": not a CSV row of the header's " + header.split(",", -1).length
            + " columns (a column too many or too few, or a stray quote; the row is not shown: it may hold a secret)");
        continue;
      }
      Row row = row(line, m::get, errors);
      if (row != null) rows.add(row);
    }
    return rows;
  }

  private List<Row> jsonl(String text, List<String> errors) {
    List<Row> rows = new ArrayList<>();
    ObjectMapper json = new ObjectMapper();
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String l = lines[i].strip();
      if (l.isEmpty()) continue;
      JsonNode n;
      try {
        n = json.readTree(l);
      } catch (IOException e) {
        errors.add("line " + (i + 1) + ": not a JSON object"); // never the line itself: it holds secrets
        continue;
      }
      if (n == null || !n.isObject()) {
        errors.add("line " + (i + 1) + ": not a JSON object");
        continue;
      }
      Row row = row(i + 1, f -> n.hasNonNull(f) ? n.get(f).asText() : null, errors);
      if (row != null) rows.add(row);
    }
    return rows;
  }

  /** Checks one row; null (and an error naming the line and field, never a secret) if it is bad. */
  private static Row row(long line, Function<String, String> field, List<String> errors) {
    String user = unformula(strip(field.apply("user_id")));
    String exchange = unformula(strip(field.apply("exchange")));
    String key = unformula(strip(field.apply("api_key")));
    String active = strip(field.apply("is_active"));
    String secret = strip(field.apply("secret"));
    String pass = strip(field.apply("passphrase"));
    String demo = strip(field.apply("demo"));
    String where = "line " + line + ": ";
    if (user == null || !user.matches("[A-Za-z0-9_.@-]+")) {
      errors.add(where + "user_id must be letters, digits or _.@-");
      return null;
    }
    if (exchange == null || !exchange.equalsIgnoreCase("bitget")) {
      errors.add(where + "exchange must be bitget");
      return null;
    }
    for (String[] part : new String[][] {{"api_key", key}, {"secret", secret}, {"passphrase", pass}}) {
      String problem = Credentials.problem(part[0], part[1]);
      if (problem != null) {
        errors.add(where + problem);
        return null;
      }
    }
    if (demo != null && !demo.isEmpty() && !demo.matches("(?i)true|false|1|0|yes|no")) {
      errors.add(where + "demo must be true or false");
      return null;
    }
    if (active != null && !active.isEmpty() && !active.matches("(?i)true|false|1|0|yes|no")) {
      errors.add(where + "is_active must be true or false");
      return null;
    }
    boolean isDemo = demo != null && demo.matches("(?i)true|1|yes");
    boolean isActive = active == null || active.isEmpty() || active.matches("(?i)true|1|yes");
    return new Row(line, user, exchange.toLowerCase(Locale.ROOT), key, secret, pass, isDemo, isActive);
  }

  /** What `keys export` neutralised against spreadsheet formulas ('=…, '+…, '-…, '@…) back as it was. */
  static String unformula(String s) {
    return s != null && s.length() > 1 && s.charAt(0) == '\'' && "=+-@\t\r".indexOf(s.charAt(1)) >= 0 ? s.substring(1) : s;
  }

  private static String strip(String s) {
    return s == null ? null : s.strip();
  }
}
