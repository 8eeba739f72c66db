package io.stopguard.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The release as an operator gets it (docs/INSTALL.md): release/build packages the jar this build
 * made into a tarball with a jlink runtime and a .deb; the tarball's launcher runs with no JDK and
 * under a read-only root (systemd's ProtectSystem=strict, imitated with unshare and bind mounts);
 * the .deb installs with dpkg as Debian would, user, home and units included, and leaves the home
 * on purge.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReleaseIT {
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final Path OUT = ROOT.resolve("target/release");
  static final String VERSION = "0.0.0~test";

  @TempDir
  Path dir;

  record Ran(int exit, String out) {}

  static Ran run(List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(300, TimeUnit.SECONDS)).as(out).isTrue();
    return new Ran(p.exitValue(), out);
  }

  static synchronized void built() throws Exception {
    if (Files.exists(OUT.resolve("SHA256SUMS"))
        && Files.getLastModifiedTime(OUT.resolve("SHA256SUMS")).compareTo(
            Files.getLastModifiedTime(ROOT.resolve("app/target/stopguard-all.jar"))) > 0) {
      return;
    }
    Ran r = run(List.of(ROOT.resolve("release/build").toString(), "--no-build", "--version", VERSION));
    assertThat(r.exit()).as(r.out()).isZero();
  }

  @Test
  @Order(1)
  void theTarballRunsWithoutAJdkUnderAReadOnlyRoot() throws Exception {
    built();
    String name = "stopguard-" + VERSION + "-linux-x64";
    Ran sums = run(List.of("sh", "-c", "cd " + OUT + " && sha256sum -c SHA256SUMS"));
    assertThat(sums.exit()).as(sums.out()).isZero();
    assertThat(sums.out()).contains(".tar.gz: OK").contains(".deb: OK").contains(".cdx.json: OK");
    JsonNode sbom = new ObjectMapper()
        .readTree(OUT.resolve("stopguard-" + VERSION + ".cdx.json").toFile());
    assertThat(sbom.path("bomFormat").asText()).isEqualTo("CycloneDX");
    assertThat(sbom.path("components").toString()).contains("sqlite-jdbc").contains("picocli").doesNotContain("selenium");
    assertThat(run(List.of("tar", "-xzf", OUT.resolve(name + ".tar.gz").toString(), "-C", dir.toString())).exit()).isZero();
    Path bundle = dir.resolve(name);
    assertThat(bundle.resolve("runtime/bin/java")).isExecutable();
    assertThat(Files.readString(bundle.resolve("deploy/systemd/stopguard-watch.service")))
        .contains("ExecStart=/usr/bin/stopguard watch").contains("ReadWritePaths=/var/lib/stopguard\n").doesNotContain("app/target");
    assertThat(Files.readString(bundle.resolve("bin/stopguard"))).doesNotContain("mvnw");
    // a home that may be written, everything else read-only, no JDK on PATH
    Path home = Files.createDirectory(dir.resolve("home"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Ran v = run(List.of("env", "-i", "PATH=/usr/bin:/bin", "STOPGUARD_HOME=" + home, bundle.resolve("bin/stopguard").toString(),
        "--version"));
    assertThat(v.exit()).as(v.out()).isZero();
    assertThat(v.out()).contains("stopguard 0.3.0").contains("revision ");
    boolean unshare = run(List.of("unshare", "-m", "true")).exit() == 0;
    assumeTrue(unshare, "unshare -m is not permitted here: the read-only root is not imitated");
    String script = "mount --bind " + home + " " + home + " && mount -o remount,bind,ro /"
        + " && exec env -i PATH=/usr/bin:/bin STOPGUARD_HOME=" + home + " " + bundle.resolve("bin/stopguard") + " flags";
    Ran ro = run(List.of("unshare", "-m", "sh", "-c", script));
    assertThat(ro.out()).as("under a read-only root").doesNotContain("Read-only file system").doesNotContain("Exception")
        .contains("no flags yet");
    assertThat(ro.exit()).as(ro.out()).isZero();
  }

  @Test
  @Order(2)
  void theDebInstallsUserHomeAndUnitsDisabledAndKeepsTheHomeOnPurge() throws Exception {
    built();
    boolean root = run(List.of("id", "-u")).out().strip().equals("0");
    assumeTrue(root && Files.isExecutable(Path.of("/usr/bin/dpkg")), "dpkg -i needs root");
    assumeTrue(run(List.of("dpkg", "-s", "stopguard")).exit() != 0, "a stopguard package is installed here already: not touched");
    Path deb;
    try (var s = Files.list(OUT)) {
      deb = s.filter(p -> p.toString().endsWith(".deb")).findFirst().orElseThrow();
    }
    try {
      Ran i = run(List.of("dpkg", "-i", deb.toString()));
      assertThat(i.exit()).as(i.out()).isZero();
      Ran v = run(List.of("/usr/bin/stopguard", "--version"));
      assertThat(v.exit()).as(v.out()).isZero();
      assertThat(run(List.of("getent", "passwd", "stopguard")).out()).contains("/var/lib/stopguard");
      assertThat(run(List.of("stat", "-c", "%a %U", "/var/lib/stopguard")).out().strip()).isEqualTo("700 stopguard");
      assertThat(run(List.of("stat", "-c", "%a %U %G", "/etc/stopguard/env")).out().strip()).isEqualTo("640 root stopguard");
      assertThat(Path.of("/lib/systemd/system/stopguard-watch.service")).exists();
      assertThat(Path.of("/etc/systemd/system/multi-user.target.wants/stopguard-watch.service")).as("installed disabled")
          .doesNotExist();
      if (Files.isExecutable(Path.of("/usr/bin/systemd-analyze"))) {
        Ran verify = run(List.of("systemd-analyze", "verify", "/lib/systemd/system/stopguard-watch.service",
            "/lib/systemd/system/stopguard-nightly.service", "/lib/systemd/system/stopguard-nightly.timer"));
        assertThat(verify.out()).as("systemd-analyze verify").doesNotContain("stopguard-watch.service:")
            .doesNotContain("stopguard-nightly.service:");
      }
      // from the installed paths, with no JDK on PATH: the demo (a simulated exchange, a bare position restored)
      Ran demo = run(List.of("env", "-i", "PATH=/usr/bin:/bin", "HOME=" + dir, "STOPGUARD_HOME=" + dir.resolve("demo-home"),
          "/usr/bin/stopguard", "demo"));
      assertThat(demo.exit()).as(demo.out()).isZero();
      // the installed watch as its unit runs it: the service user, a read-only root but for its home
      if (run(List.of("unshare", "-m", "true")).exit() == 0) {
        Path log = dir.resolve("installed-watch.log");
        Process watch = new ProcessBuilder("unshare", "-m", "sh", "-c", "mount --bind /var/lib/stopguard /var/lib/stopguard"
            + " && mount -o remount,bind,ro / && exec runuser -u stopguard -- env -i PATH=/usr/bin:/bin"
            + " STOPGUARD_HOME=/var/lib/stopguard /usr/bin/stopguard watch --restore off --listen 127.0.0.1:0")
            .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
          Awaitility.await().atMost(Duration.ofSeconds(40))
              .until(() -> Files.readString(log).contains("/metrics and /health") || !watch.isAlive());
          assertThat(Files.readString(log)).as("the installed watch under a read-only root").contains("/metrics and /health")
              .doesNotContain("Read-only file system").doesNotContain("mvnw").doesNotContain("building");
        } finally {
          watch.destroy();
          watch.waitFor(20, TimeUnit.SECONDS);
          if (watch.isAlive()) watch.destroyForcibly();
          run(List.of("pkill", "-u", "stopguard"));
        }
      }
      // the service user can run it on its home
      Ran asUser = run(List.of("runuser", "-u", "stopguard", "--", "env", "STOPGUARD_HOME=/var/lib/stopguard",
          "/usr/bin/stopguard", "flags"));
      assertThat(asUser.exit()).as(asUser.out()).isZero();
    } finally {
      Ran purge = run(List.of("dpkg", "-P", "stopguard"));
      assertThat(purge.exit()).as(purge.out()).isZero();
    }
    assertThat(Path.of("/usr/bin/stopguard")).doesNotExist();
    assertThat(Path.of("/opt/stopguard")).as("nothing left behind but the home").doesNotExist();
    assertThat(Path.of("/lib/systemd/system/stopguard-watch.service")).doesNotExist();
    assertThat(Path.of("/var/lib/stopguard/trading.db")).as("the keys' store survives a purge").exists();
    run(List.of("rm", "-rf", "/var/lib/stopguard"));
    run(List.of("deluser", "--system", "stopguard"));
  }
}
