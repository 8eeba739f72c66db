package io.stopguard.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.stopguard.bitget.Credentials;
import io.stopguard.bitget.IpBudget;
import io.stopguard.check.StopLossCheck;
import io.stopguard.risk.Policy;
import io.stopguard.store.ExchangeKey;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.sqlite.JDBC;
import org.sqlite.util.OSInfo;

/**
 * The start-up cache's training run (see {@code ./stopguard}): runs the commands an operator types
 * most, in one JVM, against a simulator in a throw-away home, so that the JVM started with
 * {@code -XX:AOTCacheOutput} records the classes and methods they use. Prints nothing on success.
 *
 * <p>Arguments: {@code NATIVE_DIR SIM_URL [watch]}. With {@code watch} the run is a reconcile load
 * instead (see {@link #reconcileLoad}) and makes the cache of the long-running commands; without,
 * the cache of the one-off commands, which the load's profiles and classes would slow by 50–80 ms each.
 * The launcher starts the simulator (the demo scenario)
 * in a process of its own and passes its URL, so that neither the simulator nor Jetty ends up in
 * the cache, which every command maps at start. Into
 * {@code NATIVE_DIR} it first copies the SQLite driver's native library, so the launcher can point
 * {@code org.sqlite.lib.path} at it instead of the driver extracting 1 MB to /tmp on every call.
 */
public final class Train {
  private Train() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 2 || args.length > 3 || (args.length == 3 && !args[2].equals("watch"))) {
      System.err.println("usage: Train NATIVE_DIR SIM_URL [watch] (run by ./stopguard after a build)");
      System.exit(2);
    }
    boolean watch = args.length == 3;
    extractSqliteLibrary(Path.of(args[0]));
    if (watch) {
      // The long-running commands' cache: the reconcile load, then a short watch (its own classes:
      // the store, the watcher, the status page), not the one-off commands. It brings a restarted
      // watcher's first cycle forward and costs its steady cycles some CPU (docs/BENCHMARKS.md).
      int failures = reconcileLoad(args[1]);
      if (failures > 0) System.err.println("stopguard: training run: the reconcile load ended unexpectedly");
      loadPostgresClasses();
      watchBriefly(Files.createDirectories(Path.of(args[0]).resolve("home")), args[1]); // the launcher deletes NATIVE_DIR
      return;
    }
    Path home = Files.createTempDirectory("stopguard-train-");
    int failures;
    try {
      failures = train(home, args[1]);
    } finally {
      try (Stream<Path> files = Files.walk(home)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    // A command that crashed would train the cache on its error path only: say so, but the cache is still usable.
    if (failures > 0) System.err.println("stopguard: training run: " + failures + " command(s) ended unexpectedly");
  }

  /** The demo scenario's accounts, read as plain YAML (no simulator class is loaded for this). */
  private static List<Map<String, Object>> demoAccounts() throws IOException {
    try (InputStream in = DemoStory.class.getResourceAsStream("demo-scenario.yaml")) {
      @SuppressWarnings("unchecked")
      Map<String, Object> doc = new ObjectMapper(
          new YAMLFactory()).readValue(in, Map.class);
      @SuppressWarnings("unchecked")
      List<Map<String, Object>> accounts = (List<Map<String, Object>>) doc.get("accounts");
      return accounts;
    }
  }

  private static Map<String, String> env(Path home, String simUrl) {
    Map<String, String> env = new HashMap<>();
    env.put("STOPGUARD_HOME", home.toString());
    env.put("STOPGUARD_BITGET_BASE_URL", simUrl);
    return env;
  }

  /** The demo accounts' keys into the home; how many commands failed. */
  private static int addDemoKeys(Map<String, String> env, PrintStream quiet) throws IOException {
    int failures = 0;
    for (Map<String, Object> a : demoAccounts()) {
      Map<String, String> withSecret = new HashMap<>(env);
      withSecret.put("BITGET_API_SECRET", String.valueOf(a.get("secretKey")));
      withSecret.put("BITGET_API_PASSPHRASE", String.valueOf(a.get("passphrase")));
      failures += run(withSecret, quiet, "keys", "add", "--user", String.valueOf(a.get("uid")), "--exchange", "bitget",
          "--api-key", String.valueOf(a.get("apiKey")));
    }
    return failures;
  }

  /**
   * {@code watch} over the demo accounts for a few seconds, then the JVM exits, which is when the
   * cache is written (the watcher's shutdown hook stops it as a signal would).
   */
  private static void watchBriefly(Path home, String simUrl) throws IOException, InterruptedException {
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    Map<String, String> env = env(home, simUrl);
    addDemoKeys(env, quiet);
    Thread watch = Thread.ofPlatform().daemon().start(() -> run(env, quiet, "watch", "--restore", "dry-run",
        "--listen", "127.0.0.1:0", "--interval", "1"));
    watch.join(WATCH_MS);
    System.exit(0);
  }

  static final long WATCH_MS = 4_000;

  private static int train(Path home, String simUrl) throws IOException {
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    Map<String, String> env = env(home, simUrl);
    int failures = addDemoKeys(env, quiet);
    String[][] commands = {
        {"--version"}, {"--help"}, {"flags"}, {"check", "--help"},
        {"keys", "list"}, {"keys", "list", "--json"}, {"positions"}, {"positions", "--json"},
        {"stop-orders", "--symbol", "BTCUSDT", "--direction", "long"},
        {"stop-orders", "--symbol", "BTCUSDT", "--direction", "long", "--dry-run", "--json"},
        {"check"}, {"check", "--json"}, {"flags"}, {"flags", "--json"},
        {"place-stop", "--user", "556251171", "--symbol", "BTCUSDT", "--direction", "long", "--stop-price", "90000",
            "--dry-run"},
        {"keys", "verify"}, {"no-such-command"},
    };
    for (String[] c : commands) failures += run(env, quiet, c);
    return failures;
  }

  /** Accounts and rounds of the reconcile load: about 6,000 requests, a couple of seconds. */
  static final int LOAD_ACCOUNTS = 200;
  static final int LOAD_ROUNDS = 15;

  /**
   * The hot path of {@code watch}: many accounts' positions and plan orders, concurrently, round
   * after round, so that the cache also holds the JIT's profiles of the HTTP, JSON and signing code
   * (JEP 515) and a restarted watcher compiles it sooner. The one-off commands above call each
   * path a few times, not enough to be profiled. Only for the long-running commands' cache: a
   * one-off command runs with the client compiler alone, and mapping these profiles and classes
   * costs it more than they give. The simulator is given {@value #LOAD_ACCOUNTS}
   * accounts of its own and its rate limits are lifted for this.
   */
  private static int reconcileLoad(String simUrl) {
    URI base = URI.create(simUrl);
    StringBuilder scenario = new StringBuilder("{\"accounts\": [");
    List<ExchangeKey> keys = new ArrayList<>();
    for (int i = 0; i < LOAD_ACCOUNTS; i++) {
      String uid = "9" + (100000 + i);
      scenario.append(i == 0 ? "" : ",").append("""
          {"uid": "%s", "apiKey": "train-%s", "secretKey": "train-secret-%s", "passphrase": "p",
           "positions": [{"symbol": "BTCUSDT", "holdSide": "long", "total": "0.0100", "openPriceAvg": "95000.0", "leverage": 10},
                         {"symbol": "ETHUSDT", "holdSide": "short", "total": "1.00", "openPriceAvg": "3500.00", "leverage": 5}],
           "planOrders": [{"symbol": "BTCUSDT", "planType": "pos_loss", "holdSide": "long", "triggerPrice": "90000.0"}]}
          """.formatted(uid, uid, uid));
      keys.add(new ExchangeKey(i, uid, "bitget", false, new Credentials("train-" + uid, "train-secret-" + uid, "p")));
    }
    scenario.append("]}");
    try (HttpClient control = HttpClient.newHttpClient();
        StopLossCheck check = new StopLossCheck(base, Duration.ofSeconds(10), 64, Policy.DEFAULT, IpBudget.unlimited())) {
      for (String[] post : new String[][] {{"/_sim/load", scenario.toString()}, {"/_sim/rate-limits", "{\"enabled\": false}"}}) {
        HttpResponse<String> r = control.send(HttpRequest.newBuilder(base.resolve(post[0]))
            .POST(HttpRequest.BodyPublishers.ofString(post[1])).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) throw new IOException(post[0] + ": " + r.statusCode() + " " + r.body());
      }
      for (int round = 0; round < LOAD_ROUNDS; round++) {
        if (!check.run(keys).complete()) return 1;
      }
      return 0;
    } catch (IOException | RuntimeException e) {
      System.err.println("stopguard: training run: the reconcile load failed: " + e);
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
  }

  /** Packages a fleet member (PostgreSQL) loads at start that no training run reaches without a server. */
  static final List<String> POSTGRES_PACKAGES = List.of("org/postgresql/", "com/zaxxer/hikari/");

  /**
   * Loads (without initialising) the PostgreSQL driver's and the pool's classes, so that the cache
   * holds them parsed and verified: the training has no PostgreSQL server, and a fleet member read
   * about 260 of them from the jar at every start, 1 s of the start when three instances started
   * together on two cores (bench/fleet). Classes that need what the jar leaves out (OSGi, JNA) are skipped.
   */
  private static void loadPostgresClasses() {
    try {
      Path jar = Path.of(Train.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (!Files.isRegularFile(jar)) return; // classes from a directory (tests): no cache is made from them
      ClassLoader loader = Train.class.getClassLoader();
      try (JarFile j = new JarFile(jar.toFile())) {
        for (JarEntry e : java.util.Collections.list(j.entries())) {
          String name = e.getName();
          if (!name.endsWith(".class") || name.contains("-") || POSTGRES_PACKAGES.stream().noneMatch(name::startsWith)) continue;
          try {
            Class.forName(name.substring(0, name.length() - 6).replace('/', '.'), false, loader);
          } catch (ClassNotFoundException | LinkageError skipped) {
            // needs a library the jar does not carry: never loaded by a watch either
          }
        }
      }
    } catch (IOException | java.net.URISyntaxException | RuntimeException e) {
      System.err.println("stopguard: training run: the PostgreSQL classes were not loaded: " + e);
    }
  }

  private static int run(Map<String, String> env, PrintStream quiet, String... args) {
    int code = Main.run(new Cli(env, new ByteArrayInputStream(new byte[0]), quiet, quiet, false), args);
    return code == ExitCodes.INCOMPLETE ? 1 : 0;
  }

  private static void extractSqliteLibrary(Path dir) throws IOException {
    String name = System.mapLibraryName("sqlitejdbc");
    String resource = "/org/sqlite/native/" + OSInfo.getNativeLibFolderPathForCurrentOS() + "/" + name;
    try (InputStream in = JDBC.class.getResourceAsStream(resource)) {
      if (in == null) return; // no bundled library for this platform: the driver finds its own way
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, name, ".part");
      Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
      Files.move(tmp, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
  }
}
