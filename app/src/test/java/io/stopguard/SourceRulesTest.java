package io.stopguard;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The house rules that keep {@code watch} readable, checked on the sources of every module (run
 * from {@code app/}): each failure names the files. What each rule protects is in
 * docs/ARCHITECTURE.md ("Rules the code keeps").
 */
class SourceRulesTest {
  static final List<Path> MAIN = List.of(Path.of("src/main/java"), Path.of("../bitget/src/main/java"),
      Path.of("../bitget-sim/src/main/java"), Path.of("../bench/src/main/java"));

  static Map<Path, String> sources() {
    Map<Path, String> out = new TreeMap<>();
    for (Path root : MAIN) {
      try (Stream<Path> files = Files.walk(root)) {
        for (Path p : files.filter(f -> f.toString().endsWith(".java")).toList()) out.put(p, Files.readString(p));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return out;
  }

  /** The code without comments and string literals: what names a type, not what talks about one. */
  static String code(String source) {
    String s = source.replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\n]*", "");
    s = s.replaceAll("(?s)\"\"\".*?\"\"\"", "\"\"").replaceAll("\"(?:\\\\.|[^\"\\\\\n])*\"", "\"\"");
    return s.lines().filter(l -> !l.strip().startsWith("import ") && !l.strip().startsWith("package ")).reduce("", (a, b) -> a + b + "\n");
  }

  static final Pattern INLINE_NAME = Pattern.compile("\\b(?:java|javax|io|com|org|net|ch|picocli|jakarta)\\.(?:[a-z0-9_]+\\.)+[A-Z]\\w*");

  @Test
  void typesAreImportedNotSpelledOutInline() {
    Map<Path, Integer> perFile = new TreeMap<>();
    int total = 0;
    for (var e : sources().entrySet()) {
      Matcher m = INLINE_NAME.matcher(code(e.getValue()));
      int n = 0;
      while (m.find()) n++;
      if (n > 0) perFile.put(e.getKey(), n);
      total += n;
    }
    assertThat(total).as("inline fully-qualified names in main code (OpenRewrite's ShortenFullyQualifiedTypeReferences"
        + " fixes them): " + perFile).isLessThan(40);
  }

  @Test
  void scheduledExecutorsAreMadeInAtMostTwoFiles() {
    Pattern made = Pattern.compile("Executors\\.new(?:Scheduled|SingleThreadScheduled)|new ScheduledThreadPoolExecutor");
    List<Path> files = sources().entrySet().stream().filter(e -> made.matcher(code(e.getValue())).find()).map(Map.Entry::getKey).toList();
    // guard.Timebase (every timer of the guard, parts per component) and the simulator's own clock
    assertThat(files).as("files that create a scheduled executor").hasSizeLessThanOrEqualTo(2);
  }

  @Test
  void watchCommandParsesOptionsAndTheWatchProcessAssembles() throws IOException {
    assertThat(Files.readAllLines(Path.of("src/main/java/io/stopguard/cli/WatchCommand.java")).size()).isLessThan(250);
  }

  @Test
  void healthCrossesPackagesAsRecordsNotMaps() {
    Pattern map = Pattern.compile("(?m)^\\s*public\\b.*Map<String, Object>"); // what another package can call
    List<Path> files = sources().entrySet().stream()
        .filter(e -> e.getKey().toString().matches(".*/io/stopguard/(guard|status|watch)/.*"))
        .filter(e -> map.matcher(code(e.getValue())).find()).map(Map.Entry::getKey).toList();
    assertThat(files).as("guard, status and watch exchange typed snapshots (WatchHealth, AccountHealth, FleetHealth)").isEmpty();
  }
}
