package io.stopguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README's "Try it on the simulator" block, pasted into bash as it stands, through the real
 * launcher and the jar `package` just built: the block works start to finish, and the launcher
 * finds a JDK, prepares its start-up cache once and uses it after that.
 */
class ReadmeDrillIT {
  @TempDir
  Path tmp;

  static String block() throws IOException {
    String readme = Files.readString(Path.of("../README.md"), StandardCharsets.UTF_8);
    int section = readme.indexOf("### Try it on the simulator");
    assertThat(section).as("README has the simulator block").isPositive();
    int start = readme.indexOf("```bash\n", section) + "```bash\n".length();
    return readme.substring(start, readme.indexOf("```", start));
  }

  @Test
  void readmesSimulatorBlockWorksWhenPasted() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    // Only what a second copy on this machine must not share: the port and the URL file.
    String script = block().replace("8899", Integer.toString(port))
        .replace("/tmp/stopguard-sim.url", tmp.resolve("sim.url").toString());
    Path file = tmp.resolve("block.sh");
    Files.writeString(file, script);
    ProcessBuilder pb = new ProcessBuilder("bash", file.toString()).directory(Path.of("..").toFile())
        .redirectErrorStream(true).redirectOutput(tmp.resolve("out.txt").toFile());
    pb.environment().put("TMPDIR", tmp.toString());
    pb.environment().put("STOPGUARD_NO_BUILD", "1");
    for (String k : new String[] {"STOPGUARD_HOME", "STOPGUARD_DB", "STOPGUARD_CONFIG", "STOPGUARD_MASTER_KEY",
        "STOPGUARD_BITGET_BASE_URL", "TELEGRAM_BOT_TOKEN", "TELEGRAM_CHAT_ID"}) {
      pb.environment().remove(k);
    }
    Process p = pb.start();
    boolean ended = p.waitFor(180, TimeUnit.SECONDS);
    if (!ended) p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.descendants().forEach(ProcessHandle::destroy);
    String out = Files.readString(tmp.resolve("out.txt"));
    assertThat(ended).as(out).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out)
        .contains("stopguard 0.3.0")
        .contains("verified 5 key(s) with Bitget: 5 accepted, 0 refused")
        .contains("added 5, updated 0, unchanged 0, failed 0")
        .contains("stoploss_missing=[556251171:DASHUSDT:SHORT, 700100:ETHUSDT:SHORT, 700200:SOLUSDT:LONG, 700300:BTCUSDT:LONG]")
        .contains("🚨 Bitget stop-loss отсутствует")
        .contains("confirmed in orders-plan-pending")
        .contains("risk_flags: bitget_stoploss_missing = 1 (other bare positions: stoploss_missing=[700100:ETHUSDT:SHORT,")
        .contains("\nstoploss_missing=[700100:ETHUSDT:SHORT, 700200:SOLUSDT:LONG, 700300:BTCUSDT:LONG]\n")
        .doesNotContain("Exception").doesNotContain("drill-secret");
    // The start-up cache is prepared at most once (none is left from an earlier build of this jar, or one is).
    assertThat(out.split("preparing the start-up cache", -1).length - 1).isLessThanOrEqualTo(1);
  }
}
