package io.stopguard.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import io.stopguard.bitget.Credentials;
import io.stopguard.store.Store;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
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

  KeysImport(Cli cli) {
    this.cli = cli;
  }

  /** One row as read, with the line it came from. */
  record Row(long line, String userId, String exchange, String apiKey, String secret, String passphrase, boolean demo) {}

  @Override
  public Integer call() throws IOException {
    String text = file == null ? new String(cli.in().readAllBytes(), StandardCharsets.UTF_8) : read(file);
    String fmt = format(text);
    List<String> errors = new ArrayList<>();
    List<Row> rows = fmt.equals("csv") ? csv(text, errors) : jsonl(text, errors);
    Map<String, Long> seen = new HashMap<>();
    for (Row r : List.copyOf(rows)) {
      Long first = seen.putIfAbsent(r.exchange() + "|" + r.apiKey(), r.line());
      if (first != null) {
        errors.add("line " + r.line() + ": api_key " + Credentials.maskKey(r.apiKey()) + " already on line " + first);
        rows.remove(r);
      }
    }
    for (String e : errors) cli.err().println("stopguard keys import: " + e);
    if (!errors.isEmpty() && !skipBad) {
      cli.err().println("stopguard keys import: " + errors.size() + " bad row(s); nothing was stored"
          + " (fix them, or store the good rows with --skip-bad)");
      return ExitCodes.USAGE;
    }
    Map<Store.KeyChange, Integer> counts = new EnumMap<>(Store.KeyChange.class);
    home.allowCreating(cli.err());
    try (Store store = home.openStore(cli)) {
      if (dryRun) {
        cli.out().println("dry run: " + rows.size() + " row(s) valid" + (errors.isEmpty() ? "" : ", " + errors.size()
            + " bad") + "; nothing stored");
        return errors.isEmpty() ? ExitCodes.OK : ExitCodes.USAGE;
      }
      store.inTransaction(() -> {
        for (Row r : rows) {
          counts.merge(store.putKeyIfChanged(r.userId(), r.exchange(), r.apiKey(), r.secret(), r.passphrase(), r.demo()),
              1, Integer::sum);
        }
      });
      cli.out().println("imported into " + store.file() + ": added " + counts.getOrDefault(Store.KeyChange.ADDED, 0)
          + ", updated " + counts.getOrDefault(Store.KeyChange.UPDATED, 0) + ", unchanged "
          + counts.getOrDefault(Store.KeyChange.UNCHANGED, 0) + ", failed " + errors.size()
          + "; check them against Bitget with: stopguard keys verify");
    }
    return errors.isEmpty() ? ExitCodes.OK : ExitCodes.INCOMPLETE;
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

  private List<Row> csv(String text, List<String> errors) throws IOException {
    List<Row> rows = new ArrayList<>();
    CsvMapper mapper = new CsvMapper();
    CsvSchema schema = CsvSchema.emptySchema().withHeader().withColumnReordering(true);
    try (Reader r = new java.io.StringReader(text);
        MappingIterator<Map<String, String>> it = mapper.readerForMapOf(String.class).with(schema).readValues(r)) {
      while (it.hasNextValue()) {
        long line = it.getCurrentLocation().getLineNr();
        Map<String, String> m;
        try {
          m = it.nextValue();
        } catch (RuntimeException e) {
          errors.add("line " + line + ": not a CSV row of the header's columns");
          continue;
        }
        Row row = row(line, m::get, errors);
        if (row != null) rows.add(row);
      }
    } catch (RuntimeException e) {
      throw new UsageException("not CSV with a header line user_id,exchange,api_key,secret,passphrase[,demo]");
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
  private static Row row(long line, java.util.function.Function<String, String> field, List<String> errors) {
    String user = strip(field.apply("user_id"));
    String exchange = strip(field.apply("exchange"));
    String key = strip(field.apply("api_key"));
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
    boolean isDemo = demo != null && demo.matches("(?i)true|1|yes");
    return new Row(line, user, exchange.toLowerCase(Locale.ROOT), key, secret, pass, isDemo);
  }

  private static String strip(String s) {
    return s == null ? null : s.strip();
  }
}
