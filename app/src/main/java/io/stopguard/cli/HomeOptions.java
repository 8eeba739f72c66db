package io.stopguard.cli;

import io.stopguard.bitget.BitgetClient;
import io.stopguard.config.Config;
import io.stopguard.config.OwnerOnly;
import io.stopguard.store.Database;
import io.stopguard.store.SecretBox;
import io.stopguard.store.Store;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * Where stopguard keeps its files. The home holds {@code trading.db}, {@code logs/},
 * {@code metrics/}, {@code docs/} and {@code master.key}.
 */
public final class HomeOptions {
  @Option(names = "--home", paramLabel = "DIR",
      description = "stopguard home (trading.db, logs/, metrics/, docs/). Default: $STOPGUARD_HOME, else the current directory.")
  Path home;

  @Option(names = "--db", paramLabel = "PATH|URL",
      description = {"Database: a SQLite file, or PostgreSQL as postgresql://user@host:port/dbname (password from",
          "PGPASSWORD or ~/.pgpass, never argv). A relative path is the home's. Default: $STOPGUARD_DB, else HOME/trading.db."})
  String db;

  /** Set by the one command that may create a missing home ({@code keys add}): where to say so. */
  private PrintStream createNotice;

  /** Lets this command create the home if it does not exist, saying so on {@code notice}. */
  void allowCreating(PrintStream notice) {
    this.createNotice = notice;
  }

  public Path home(Cli cli) {
    Path h;
    String from;
    if (home != null) {
      h = home;
      from = "--home";
    } else if (cli.env("STOPGUARD_HOME") != null) {
      h = Path.of(cli.env("STOPGUARD_HOME"));
      from = "STOPGUARD_HOME";
    } else {
      return Path.of("").toAbsolutePath();
    }
    // A mistyped home must not read as an empty, healthy one ("no flags yet", exit 0).
    if (!Files.isDirectory(h)) {
      if (createNotice == null) {
        throw new UsageException(from + " " + h + " does not exist (a typo?). Create it, or add the first key with"
            + " `stopguard keys add`, which creates it.");
      }
      try {
        OwnerOnly.directories(h);
      } catch (IOException e) {
        throw new UsageException("cannot create " + from + " " + h + ": " + e.getMessage());
      }
      createNotice.println("created stopguard home " + h.toAbsolutePath());
      createNotice = null;
    }
    return h;
  }

  /** The home if it exists already; never creates it or fails (for a look before anything is stored). */
  Optional<Path> existing(Cli cli) {
    Path h = home != null ? home : cli.env("STOPGUARD_HOME") != null ? Path.of(cli.env("STOPGUARD_HOME")) : Path.of("");
    return Files.isDirectory(h) ? Optional.of(h.toAbsolutePath()) : Optional.empty();
  }

  public Database db(Cli cli) {
    String spec = db != null ? db : cli.env("STOPGUARD_DB");
    if (spec == null || spec.isBlank()) return Database.sqlite(home(cli).resolve("trading.db"));
    try {
      Database d = Database.parse(spec, cli.env());
      // A relative file is the home's, wherever the command runs from (a cron job's working directory is not).
      return d.isPostgres() || d.file().isAbsolute() ? d : Database.sqlite(home(cli).resolve(d.file()));
    } catch (IllegalArgumentException e) {
      throw new UsageException((db != null ? "--db: " : "STOPGUARD_DB: ") + e.getMessage());
    }
  }

  /** {@code $STOPGUARD_CONFIG}, else HOME/stopguard.yaml; absent means all defaults. */
  public Config config(Cli cli) {
    String env = cli.env("STOPGUARD_CONFIG");
    if (env != null && !Files.isRegularFile(Path.of(env))) {
      // Named explicitly: its absence is a mistake, never "all defaults".
      throw new UsageException("STOPGUARD_CONFIG=" + env + " does not exist (unset it to use HOME/stopguard.yaml or the defaults)");
    }
    return Config.load(env != null ? Path.of(env) : home(cli).resolve("stopguard.yaml"));
  }

  public Store openStore(Cli cli) {
    Path h = home(cli);
    Database d = db(cli);
    ownerOnly(cli, h.resolve("master.key"));
    if (!d.isPostgres()) ownerOnly(cli, d.file());
    return Store.open(d, SecretBox.fromEnvOrFile(cli.env(), h.resolve("master.key")));
  }

  /**
   * The master key and trading.db hold every secret: readable by the group or others (a copy, an
   * umask of 000) they are set back to owner-only, and the command says so once.
   */
  static void ownerOnly(Cli cli, Path file) {
    try {
      if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) return;
      var perms = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
      var open = EnumSet.copyOf(perms);
      open.retainAll(EnumSet.of(PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE, PosixFilePermission.GROUP_EXECUTE,
          PosixFilePermission.OTHERS_EXECUTE));
      if (open.isEmpty()) return;
      String was = PosixFilePermissions.toString(perms);
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      cli.err().println("stopguard: warning: " + file + " was readable by others (" + was + "); set to rw------- (it holds"
          + " secrets)");
    } catch (UnsupportedOperationException | IOException e) {
      cli.err().println("stopguard: warning: cannot check the permissions of " + file + ": " + e.getMessage());
    }
  }

  /** The Bitget endpoint: {@code $STOPGUARD_BITGET_BASE_URL} (e.g. the simulator), else api.bitget.com. */
  static URI bitgetBaseUrl(Cli cli, String override) {
    String s = override != null ? override : cli.env("STOPGUARD_BITGET_BASE_URL");
    if (s == null) return BitgetClient.DEFAULT_BASE_URL;
    try {
      URI u = URI.create(s);
      if (u.getScheme() == null || u.getHost() == null) throw new IllegalArgumentException();
      return u;
    } catch (IllegalArgumentException e) {
      throw new UsageException("not a URL: '" + s + "' (STOPGUARD_BITGET_BASE_URL / --base-url)");
    }
  }
}
