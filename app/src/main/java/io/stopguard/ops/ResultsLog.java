package io.stopguard.ops;

import io.stopguard.config.OwnerOnly;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code logs/test_results.log}: one line per self-check, {@code <ISO-8601 UTC> ✅|❌ <name> <detail>},
 * as the runbook greps it.
 */
public final class ResultsLog {
  /** One parsed line. */
  public record Line(Instant at, boolean ok, String name, String detail) {
    public String format() {
      return at.truncatedTo(ChronoUnit.SECONDS) + " " + (ok ? "✅" : "❌") + " " + name + (detail.isEmpty() ? "" : " " + detail);
    }
  }

  /** Names may contain spaces ("run_risk_monitor check"): known names are matched first. */
  static final List<String> KNOWN = List.of("run_risk_monitor check", "test_bitget_stop_orders", "bitget_keys",
      "bitget_clock_skew", "database_integrity", "metrics_file");
  private static final Pattern LINE = Pattern.compile("^(\\S+) (✅|❌) (.*)$");

  private final Path file;

  public ResultsLog(Path file) {
    this.file = file;
  }

  public Path file() {
    return file;
  }

  public void append(List<Line> lines) {
    StringBuilder sb = new StringBuilder();
    for (Line l : lines) sb.append(l.format().replace('\n', ' ')).append('\n');
    try {
      OwnerOnly.directories(file.toAbsolutePath().getParent());
      // never through a symlink someone planted where the log goes (O_NOFOLLOW): that is an error, said
      Files.writeString(file, sb.toString(), StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
          LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append to " + file, e);
    }
  }

  /** Every well-formed line; others (hand edits) are skipped. */
  public List<Line> read() {
    List<Line> out = new ArrayList<>();
    if (!Files.exists(file)) return out;
    try {
      for (String s : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        Matcher m = LINE.matcher(s);
        if (!m.matches()) continue;
        Instant at;
        try {
          at = Instant.parse(m.group(1));
        } catch (RuntimeException e) {
          continue;
        }
        String rest = m.group(3);
        String name = KNOWN.stream().filter(k -> rest.equals(k) || rest.startsWith(k + " ")).findFirst()
            .orElse(rest.contains(" ") ? rest.substring(0, rest.indexOf(' ')) : rest);
        out.add(new Line(at, m.group(2).equals("✅"), name, rest.substring(name.length()).strip()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    return out;
  }
}
