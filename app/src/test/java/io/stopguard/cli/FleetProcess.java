package io.stopguard.cli;

import io.stopguard.sim.SimServer;
import java.nio.file.Files;
import java.nio.file.Path;

/** A `watch` fleet member as its own process for the fleet tests: own home, 127.0.0.n, a short lease TTL. */
final class FleetProcess {
  private FleetProcess() {}

  /** Starts member {@code n} (home {@code dir/hostN}, log {@code logName}.log there) on {@code classpath}. */
  static Process start(Path dir, String logName, int n, String classpath, int ttl, SimServer sim, String pg, String masterKey)
      throws Exception {
    Path home = Files.createDirectories(dir.resolve("host" + n));
    String java = ProcessHandle.current().info().command().orElse("java");
    ProcessBuilder pb = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", classpath, Main.class.getName(), "watch",
        "--restore", "on", "--grace", "0.2", "--lease-ttl", Integer.toString(ttl), "--listen", "127.0.0.1:0", "--source-ip",
        "127.0.0." + n, "--interval", "2").redirectErrorStream(true).redirectOutput(home.resolve(logName + ".log").toFile());
    pb.environment().put("STOPGUARD_HOME", home.toString());
    pb.environment().put("STOPGUARD_DB", pg);
    pb.environment().put("STOPGUARD_MASTER_KEY", masterKey);
    pb.environment().put("STOPGUARD_BITGET_BASE_URL", sim.baseUrl().toString());
    pb.environment().remove("TELEGRAM_BOT_TOKEN");
    return pb.start();
  }

  /** Who holds a live lease on {@code user} ("" if nobody). */
  static String owner(String pg, String user) throws Exception {
    return Psql.query(pg, "SELECT coalesce(owner, '') FROM lease_status WHERE user_id = '" + user + "' AND expires_at > now();")
        .strip();
  }
}
