package io.stopguard.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import io.stopguard.store.KeyRow;
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

@Command(name = "export",
    header = "Write the stored keys without secrets, in the import format.",
    mixinStandardHelpOptions = true,
    description = {
        "Write every stored key to stdout as CSV (default) or JSON Lines, with the",
        "columns `keys import` reads. Secrets and passphrases are never written: the",
        "secret and passphrase columns are empty, to be filled in before an import",
        "elsewhere. API keys are written in full (they are not secrets, but they",
        "identify accounts: keep the file to yourself).",
    })
final class KeysExport implements Callable<Integer> {
  private final Cli cli;

  @Mixin
  HomeOptions home;

  @Option(names = "--format", paramLabel = "csv|jsonl", defaultValue = "csv", description = "Output format (default: ${DEFAULT-VALUE}).")
  String format;

  @Option(names = "--all", description = "Inactive keys too (default: active keys only).")
  boolean all;

  KeysExport(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() throws Exception {
    String fmt = format.toLowerCase(Locale.ROOT);
    if (!fmt.equals("csv") && !fmt.equals("jsonl")) throw new UsageException("--format must be csv or jsonl");
    try (Store store = home.openStore(cli)) {
      List<KeyRow> rows = store.keys().list().stream().filter(k -> all || k.active()).toList();
      List<Map<String, Object>> out = new ArrayList<>();
      for (KeyRow k : rows) {
        Map<String, Object> m = new LinkedHashMap<>();
        boolean csv = format.toLowerCase(Locale.ROOT).equals("csv");
        m.put("user_id", csv ? noFormula(k.userId()) : k.userId());
        m.put("exchange", csv ? noFormula(k.exchange()) : k.exchange());
        m.put("api_key", csv ? noFormula(k.apiKey()) : k.apiKey());
        m.put("secret", "");
        m.put("passphrase", "");
        m.put("demo", k.demoTrading());
        m.put("is_active", k.active());
        out.add(m);
      }
      if (fmt.equals("csv")) {
        CsvSchema schema = CsvSchema.builder().addColumns(List.of("user_id", "exchange", "api_key", "secret", "passphrase",
            "demo", "is_active"), CsvSchema.ColumnType.STRING).build().withHeader();
        cli.out().print(new CsvMapper().writer(schema).writeValueAsString(out)); // quoting by the library
      } else {
        ObjectMapper json = new ObjectMapper();
        for (Map<String, Object> m : out) cli.out().println(json.writeValueAsString(m));
      }
      cli.err().println("exported " + rows.size() + " key(s) without secrets from " + store.where());
    }
    return ExitCodes.OK;
  }

  /**
   * A spreadsheet runs a cell that starts with =, +, - or @ as a formula (CSV injection): such a
   * value goes out with a leading ' (OWASP's advice), which `keys import` takes off again.
   */
  static String noFormula(String v) {
    return v != null && !v.isEmpty() && "=+-@\t\r".indexOf(v.charAt(0)) >= 0 ? "'" + v : v;
  }
}
