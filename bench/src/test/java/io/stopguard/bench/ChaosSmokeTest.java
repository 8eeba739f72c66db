package io.stopguard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short fixed-seed run of the fault harness (bench/chaos): the real watch process under the
 * nemesis, and the checker's invariants. Longer runs over more seeds: docs/RELIABILITY.md.
 */
class ChaosSmokeTest {
  @TempDir
  Path home;

  @Test
  void aShortSeededRunUnderFaultsBreaksNoInvariant() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Chaos.Result r = Chaos.run(new Chaos.Options(7, 1.1, 4, Duration.ofSeconds(1), home), new PrintStream(out, true));
    System.out.println(out);
    assertThat(r.faults().values().stream().mapToInt(Integer::intValue).sum()).as("faults injected").isGreaterThanOrEqualTo(12);
    assertThat(r.violations()).as(out.toString()).isEmpty();
    assertThat(r.summary()).contains("duplicates=0 bare_over_sla=0 silent_failures=0 lost_rows=0 rate=0");
  }
}
