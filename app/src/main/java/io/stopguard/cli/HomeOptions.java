package io.stopguard.cli;

import io.stopguard.config.Config;
import io.stopguard.store.SecretBox;
import io.stopguard.store.Store;
import java.net.URI;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Where stopguard keeps its files. The home holds {@code trading.db}, {@code logs/},
 * {@code metrics/}, {@code docs/} and {@code master.key}.
 */
public final class HomeOptions {
  @Option(names = "--home", paramLabel = "DIR",
      description = "stopguard home (trading.db, logs/, metrics/, docs/). Default: $STOPGUARD_HOME, else the current directory.")
  Path home;

  @Option(names = "--db", paramLabel = "PATH",
      description = "Database file. Default: $STOPGUARD_DB, else HOME/trading.db.")
  Path db;

  public Path home(Cli cli) {
    if (home != null) return home;
    String env = cli.env("STOPGUARD_HOME");
    return env != null ? Path.of(env) : Path.of("").toAbsolutePath();
  }

  public Path db(Cli cli) {
    if (db != null) return db;
    String env = cli.env("STOPGUARD_DB");
    return env != null ? Path.of(env) : home(cli).resolve("trading.db");
  }

  /** {@code $STOPGUARD_CONFIG}, else HOME/stopguard.yaml; absent means all defaults. */
  public Config config(Cli cli) {
    String env = cli.env("STOPGUARD_CONFIG");
    return Config.load(env != null ? Path.of(env) : home(cli).resolve("stopguard.yaml"));
  }

  public Store openStore(Cli cli) {
    return Store.open(db(cli), SecretBox.fromEnvOrFile(cli.env(), home(cli).resolve("master.key")));
  }

  /** The Bitget endpoint: {@code $STOPGUARD_BITGET_BASE_URL} (e.g. the simulator), else api.bitget.com. */
  static URI bitgetBaseUrl(Cli cli, String override) {
    String s = override != null ? override : cli.env("STOPGUARD_BITGET_BASE_URL");
    if (s == null) return io.stopguard.bitget.BitgetClient.DEFAULT_BASE_URL;
    try {
      URI u = URI.create(s);
      if (u.getScheme() == null || u.getHost() == null) throw new IllegalArgumentException();
      return u;
    } catch (IllegalArgumentException e) {
      throw new UsageException("not a URL: '" + s + "' (STOPGUARD_BITGET_BASE_URL / --base-url)");
    }
  }
}
