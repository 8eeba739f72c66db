package io.stopguard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.stopguard.cli.Main;
import io.stopguard.sim.TcpProxy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One fleet member under {@link FleetChaos}: a real {@code watch} process in a home of its own,
 * leaving from 127.0.0.n, reaching PostgreSQL through a TCP proxy of its own, and what the checker
 * last read from its /health.
 */
final class ChaosMember {
  final FleetChaos run;
  final int n;
  final Path home;
  volatile TcpProxy proxy;
  volatile GuardProcess proc;
  volatile Path log;
  private int starts;
  /** Its fleet instance id (from /health), as account_leases.owner names it. */
  volatile String instance;
  volatile JsonNode health;
  volatile long healthAt;
  /** SIGSTOPped: its /health is not expected to answer. */
  volatile boolean paused;
  /** Running oddly (a skewed clock, another master key) until then (0: normally). */
  volatile long skewedUntil;
  /** Started with this master key instead of the fleet's (null: the fleet's). */
  volatile String masterKey;

  ChaosMember(FleetChaos run, int n) throws IOException {
    this.run = run;
    this.n = n;
    this.home = Files.createDirectories(run.o.home().resolve("host" + n));
  }

  /** Starts the watch process ({@code prefix}: e.g. faketime and its options), on its proxy (a new one if it has none). */
  void start(List<String> prefix) throws Exception {
    if (proxy == null) proxy = new TcpProxy("127.0.0.1", run.pgPort);
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>(prefix);
    cmd.addAll(List.of(java, "-Xmx200m", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED", "-cp",
        System.getProperty("java.class.path"), Main.class.getName(), "watch", "--restore", "on", "--grace",
        Double.toString(FleetChaos.GRACE_MS / 1000.0), "--interval", Integer.toString(FleetChaos.INTERVAL_S), "--timeout", "2",
        "--lease-ttl", Integer.toString(FleetChaos.TTL_S), "--listen", "127.0.0.1:0", "--source-ip", "127.0.0." + n));
    log = home.resolve("watch-" + (++starts) + ".log");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("STOPGUARD_HOME", home.toString());
    pb.environment().put("STOPGUARD_DB", run.memberUrl(proxy.port()));
    pb.environment().put("STOPGUARD_MASTER_KEY", masterKey != null ? masterKey : run.masterKey);
    pb.environment().put("STOPGUARD_BITGET_BASE_URL", run.sim.baseUrl().toString());
    pb.environment().remove("STOPGUARD_CONFIG");
    pb.environment().remove("TELEGRAM_BOT_TOKEN");
    health = null;
    instance = null; // a new process is a new fleet instance: its id comes from its /health
    paused = false;
    proc = GuardProcess.start(pb, log, what -> run.note("member " + n + ": " + what));
  }

  /** SIGKILL; the proxy stays as it is (cut, a host gone without a FIN, holds the server-side sessions). */
  void kill() throws InterruptedException {
    if (proc != null) proc.kill();
    health = null;
  }

  void signal(String sig) throws Exception {
    paused = sig.equals("STOP");
    proc.signal(sig);
  }

  boolean alive() {
    return proc != null && proc.process.isAlive();
  }

  void stop() throws Exception {
    if (proc == null) return;
    if (paused) proc.signal("CONT");
    proc.kill();
    if (proxy != null) proxy.close();
  }
}
