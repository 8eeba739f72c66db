package io.stopguard.cli;

import io.stopguard.store.Database;
import io.stopguard.store.SecretBox;
import io.stopguard.store.Store;
import io.stopguard.store.StoreCopy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "db",
    header = "The store: bring its schema up to date, or copy it between SQLite and PostgreSQL.",
    mixinStandardHelpOptions = true,
    subcommands = {DbCommand.Migrate.class, DbCommand.Copy.class},
    description = {
        "The store is the SQLite file trading.db by default, or a PostgreSQL database several hosts",
        "share: set STOPGUARD_DB (or --db) to postgresql://user@host:port/dbname. The password comes",
        "from PGPASSWORD or ~/.pgpass, never from the command line. See docs/POSTGRESQL.md.",
    })
final class DbCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "migrate",
      header = "Create or upgrade the schema (every command also does this when it is behind).",
      mixinStandardHelpOptions = true,
      description = {
          "Create or upgrade the store's schema and say which version it is at. A database written",
          "by a newer stopguard is refused and left alone (exit 3).",
      })
  static final class Migrate implements Callable<Integer> {
    private final Cli cli;

    @Mixin
    HomeOptions home;

    Migrate(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      try (Store store = home.openStore(cli)) {
        cli.out().println(store.where() + ": schema at version " + store.schemaVersion() + ", up to date");
      }
      return ExitCodes.OK;
    }
  }

  @Command(name = "copy",
      header = "Copy every table from one store to another (SQLite <-> PostgreSQL), idempotently.",
      mixinStandardHelpOptions = true,
      description = {
          "Copy keys, flags, incidents, the audit log, intended stops, the alert outbox and flapping",
          "positions from one store to another, in one transaction on the target, then compare row",
          "counts. Rows keep their ids; a row already in the target is updated in place, so running",
          "it twice changes nothing. Keys stay encrypted: the target needs the same master key",
          "(master.key, STOPGUARD_MASTER_KEY or STOPGUARD_MASTER_KEY_FILE).",
          "",
          "Example:",
          "  PGPASSWORD=... stopguard db copy --from trading.db --to postgresql://stopguard@db1:5432/stopguard",
          "",
          "Exit codes: 0 copied and counts agree, 2 usage, 3 could not copy, or the target holds rows",
          "the source does not.",
      })
  static final class Copy implements Callable<Integer> {
    private final Cli cli;

    @Option(names = "--from", required = true, paramLabel = "PATH|URL", description = "The store to read.")
    String from;

    @Option(names = "--to", required = true, paramLabel = "PATH|URL", description = "The store to write (created or migrated first).")
    String to;

    Copy(Cli cli) {
      this.cli = cli;
    }

    private Database parse(String option, String spec) {
      try {
        Database db = Database.parse(spec, cli.env());
        if (!db.isPostgres() && !Files.exists(db.file()) && option.equals("--from")) {
          throw new UsageException("--from: " + spec + " does not exist");
        }
        return db;
      } catch (IllegalArgumentException e) {
        throw new UsageException(option + ": " + e.getMessage());
      }
    }

    @Override
    public Integer call() {
      Database src = parse("--from", from);
      Database dst = parse("--to", to);
      if (src.display().equals(dst.display())) throw new UsageException("--from and --to are the same store: " + src);
      // Secrets are copied as ciphertext: no master key is needed, and none is created.
      SecretBox none = SecretBox.fromEnvOrFile(Map.of(), Path.of("/nonexistent/master.key"));
      try (Store a = Store.open(src, none); Store b = Store.open(dst, none)) {
        List<StoreCopy.Counted> counts = StoreCopy.copy(a, b);
        boolean same = true;
        for (StoreCopy.Counted c : counts) {
          cli.out().printf("%-20s %6d row(s) in %s, %6d in %s%s%n", c.table(), c.source(), "source", c.target(), "target",
              c.same() ? "" : "  <- the target holds rows the source does not");
          same &= c.same();
        }
        cli.out().println((same ? "copied " : "copied, but counts differ: ") + src + " -> " + dst);
        return same ? ExitCodes.OK : ExitCodes.INCOMPLETE;
      }
    }
  }
}
