package io.stopguard.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stopguard.sim.Scenario;
import io.stopguard.sim.SimExchange;
import io.stopguard.sim.SimServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real processes under the conditions an operator's host gives them: a umask of 000 (the home,
 * logs/ and run/ stay the owner's), and the status server beyond loopback with TLS from PEM files
 * that openssl made (HTTPS only, session cookies marked Secure), checked with curl.
 */
class ServingSafelyTest {
  @TempDir
  Path dir;

  Path home() {
    return dir.resolve("home");
  }

  /** The CLI as its own process under {@code umask 000}. */
  ProcessBuilder underUmask000(SimServer sim, String... args) {
    List<String> cmd = new ArrayList<>(List.of("bash", "-c", "umask 000; exec \"$@\"", "bash",
        ProcessHandle.current().info().command().orElse("java"), "--enable-native-access=ALL-UNNAMED", "-cp",
        System.getProperty("java.class.path"), Main.class.getName()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("STOPGUARD_HOME", home().toString());
    pb.environment().put("STOPGUARD_BITGET_BASE_URL", sim.baseUrl().toString());
    pb.environment().remove("TELEGRAM_BOT_TOKEN");
    return pb;
  }

  String run(ProcessBuilder pb, String stdin) throws Exception {
    Process p = pb.redirectErrorStream(true).start();
    p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isIn(0, 1); // nightly exits 1 when a check fails: the account here is bare
    return out;
  }

  static String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
  }

  @Test
  void underAUmaskOf000TheHomeLogsAndLocksStayTheOwners() throws Exception {
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(AlertsAndMetricsTest.SCENARIO)), 0)) {
      run(underUmask000(sim, "keys", "add", "--user", "556251171", "--exchange", "bitget", "--api-key", "bg_k1"), "s1\np1\n");
      run(underUmask000(sim, "nightly"), "");
      Path log = dir.resolve("watch.log");
      Process watch = underUmask000(sim, "watch", "--restore", "off", "--listen", "127.0.0.1:0").redirectErrorStream(true)
          .redirectOutput(log.toFile()).start();
      try {
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.readString(log).contains("/metrics and /health"));
        assertThat(mode(home())).as("the home").isEqualTo("rwx------");
        assertThat(mode(home().resolve("logs"))).as("logs/").isEqualTo("rwx------");
        assertThat(mode(home().resolve("run"))).as("run/").isEqualTo("rwx------");
        assertThat(mode(home().resolve("trading.db"))).isEqualTo("rw-------");
        assertThat(mode(home().resolve("master.key"))).isEqualTo("rw-------");
      } finally {
        watch.destroy();
        watch.waitFor(15, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void withACertificateTheStatusServerSpeaksOnlyHttpsAndItsCookiesAreSecure() throws Exception {
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    Process ossl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-nodes", "-days", "2", "-subj", "/CN=stopguard-test", "-addext", "subjectAltName=IP:127.0.0.1",
        "-keyout", key.toString(), "-out", cert.toString()).redirectErrorStream(true).start();
    String osslOut = new String(ossl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(ossl.waitFor()).as(osslOut).isZero();
    Path token = dir.resolve("token");
    Files.writeString(token, "a-token-of-twenty-four-c\n");
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(AlertsAndMetricsTest.SCENARIO)), 0)) {
      run(underUmask000(sim, "keys", "add", "--user", "556251171", "--exchange", "bitget", "--api-key", "bg_k1"), "s1\np1\n");
      Path log = dir.resolve("watch.log");
      Process watch = underUmask000(sim, "watch", "--restore", "off", "--listen", "127.0.0.1:0", "--auth-token-file",
          token.toString(), "--tls-cert", cert.toString(), "--tls-key", key.toString()).redirectErrorStream(true)
          .redirectOutput(log.toFile()).start();
      try {
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.readString(log).contains("/metrics and /health"));
        Matcher m = Pattern.compile("https://127\\.0\\.0\\.1:(\\d+)/metrics").matcher(Files.readString(log));
        assertThat(m.find()).as(Files.readString(log)).isTrue();
        String base = "https://127.0.0.1:" + m.group(1);
        assertThat(curl("--cacert", cert.toString(), "-H", "Authorization: Bearer a-token-of-twenty-four-c", base + "/health"))
            .contains("\"status\"");
        assertThat(curl("--cacert", cert.toString(), "-H", "Authorization: Bearer a-token-of-twenty-four-c", base + "/metrics"))
            .containsPattern("stopguard_build_info\\{.*revision=\"[0-9a-f]{10}");
        String login = curl("--cacert", cert.toString(), "-D", "-", "-o", "/dev/null", "--data", "token=a-token-of-twenty-four-c",
            base + "/login");
        assertThat(login).containsIgnoringCase("set-cookie: stopguard_session=").contains("; Secure");
        assertThat(curl("--cacert", cert.toString(), "-D", "-", "-o", "/dev/null", base + "/logout")).contains("; Secure");
        // plain HTTP on the same port gets no page
        assertThat(curl("--max-time", "5", "-H", "Authorization: Bearer a-token-of-twenty-four-c",
            "http://127.0.0.1:" + m.group(1) + "/health")).doesNotContain("\"status\"");
        assertThat(mode(key)).as("the private key set back to owner-only").isEqualTo("rw-------");
      } finally {
        watch.destroy();
        watch.waitFor(15, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void tlsOptionsAreBothOrNeitherAndPlainHttpBeyondLoopbackIsWarnedAbout() throws Exception {
    Path token = dir.resolve("token");
    Files.writeString(token, "a-token-of-twenty-four-c\n");
    try (SimServer sim = SimServer.start(SimExchange.fromScenario(Scenario.parse(AlertsAndMetricsTest.SCENARIO)), 0)) {
      Process half = underUmask000(sim, "watch", "--tls-cert", dir.resolve("cert.pem").toString()).redirectErrorStream(true).start();
      String out = new String(half.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(half.waitFor()).isEqualTo(2);
      assertThat(out).contains("--tls-cert and --tls-key go together").doesNotContain("Exception");
      run(underUmask000(sim, "keys", "add", "--user", "556251171", "--exchange", "bitget", "--api-key", "bg_k1"), "s1\np1\n");
      Path log = dir.resolve("watch.log");
      Process watch = underUmask000(sim, "watch", "--restore", "off", "--listen", "0.0.0.0:0", "--auth-token-file",
          token.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      try {
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.readString(log).contains("/metrics and /health"));
        assertThat(Files.readString(log)).contains("serves plain HTTP: the token and the session cookie cross the network in clear");
        assertThat(mode(token)).as("the token file set back to owner-only").isEqualTo("rw-------");
      } finally {
        watch.destroy();
        watch.waitFor(15, TimeUnit.SECONDS);
      }
    }
  }

  static String curl(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("curl", "-sS"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(30, TimeUnit.SECONDS);
    return out;
  }
}
