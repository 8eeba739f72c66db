package io.stopguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a one-off command loads, read from the JVM's own class-loading log of the built jar: no
 * simulator, no Jetty, no second Jackson, no PostgreSQL driver for a SQLite store, and no Flyway
 * once the database is up to date. Each of
 * these cost a one-off command tenths of a second (docs/BENCHMARKS.md, "Start-up").
 */
class StartupIT {
  @TempDir
  Path home;

  private List<String> classesLoadedBy(String... args) throws Exception {
    Path log = home.resolve("classes-" + System.nanoTime() + ".txt");
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>(List.of(java, "-Xshare:off", "-Xlog:class+load:file=" + log,
        "-jar", Path.of("target/stopguard-all.jar").toAbsolutePath().toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(home.resolve("out.txt").toFile());
    pb.environment().put("STOPGUARD_HOME", home.toString());
    Process p = pb.start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(Files.readString(home.resolve("out.txt"))).isZero();
    return Files.readAllLines(log).stream().map(l -> l.replaceAll("^\\S+ ", "").replaceAll(" source:.*$", "")).toList();
  }

  @Test
  void flagsLoadsNeitherSimulatorNorJettyNorASecondJacksonNorFlywayOnceMigrated() throws Exception {
    List<String> first = classesLoadedBy("flags");
    assertThat(first).anyMatch(c -> c.startsWith("org.flywaydb.")); // a new database is migrated
    List<String> loaded = classesLoadedBy("flags");
    assertThat(loaded).hasSizeGreaterThan(500) // the log is real: the JVM and picocli at least
        .anyMatch(c -> c.startsWith("picocli."))
        .noneMatch(c -> c.startsWith("io.stopguard.sim."))
        .noneMatch(c -> c.startsWith("org.eclipse.jetty."))
        .noneMatch(c -> c.startsWith("tools.jackson."))
        .noneMatch(c -> c.startsWith("org.flywaydb."))
        .noneMatch(c -> c.startsWith("com.zaxxer.hikari.")) // PostgreSQL's pool and driver: only for a postgresql:// store
        .noneMatch(c -> c.startsWith("org.postgresql."))
        .noneMatch(c -> c.startsWith("com.sun.org.apache.xerces.")); // no XML logging configuration
  }
}
