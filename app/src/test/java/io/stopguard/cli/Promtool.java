package io.stopguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The real promtool (Debian package prometheus; .ci/run installs it). Where it cannot be
 * installed the test is skipped with a loud message rather than pretending to pass.
 */
public final class Promtool {
  private Promtool() {}

  public static String run(Path dir, String... args) throws IOException, InterruptedException {
    String[] cmd = new String[args.length + 1];
    cmd[0] = "promtool";
    System.arraycopy(args, 0, cmd, 1, args.length);
    Process p;
    try {
      p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    } catch (IOException e) {
      System.err.println("!!! promtool not found: SKIPPING the promtool check (apt-get install prometheus) !!!");
      Assumptions.abort("promtool not installed");
      throw e;
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("promtool %s: %s", String.join(" ", args), out).isZero();
    return out;
  }

  public static void checkMetrics(Path file) throws IOException, InterruptedException {
    // promtool check metrics reads the exposition from stdin
    Path dir = file.getParent();
    Process p;
    try {
      p = new ProcessBuilder("promtool", "check", "metrics").redirectInput(file.toFile()).redirectErrorStream(true)
          .directory(dir.toFile()).start();
    } catch (IOException e) {
      System.err.println("!!! promtool not found: SKIPPING the promtool check (apt-get install prometheus) !!!");
      Assumptions.abort("promtool not installed");
      return;
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("promtool check metrics: %s\n%s", out, Files.readString(file)).isZero();
  }
}
