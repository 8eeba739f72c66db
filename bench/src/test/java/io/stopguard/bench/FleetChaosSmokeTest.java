package io.stopguard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short fixed-seed run of the fleet's fault harness (bench/chaos --fleet): real watch processes on
 * a real PostgreSQL server under the nemesis, database faults included, and the checker's
 * invariants. Longer runs over more seeds: docs/RELIABILITY.md.
 */
class FleetChaosSmokeTest {
  @TempDir
  Path home;

  @Test
  void aShortSeededFleetRunUnderDatabaseFaultsBreaksNoInvariant() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    FleetChaos.Result r = FleetChaos.run(new FleetChaos.Options(11, 1.0, 2, 6, home), new PrintStream(out, true));
    System.out.println(out);
    assertThat(r.dbFaults()).as("database faults injected").isPositive();
    assertThat(r.violations()).as(out.toString()).isEmpty();
    assertThat(r.summary()).contains("duplicates=0 bare_over_sla=0 silent_failures=0 lost_rows=0 rate=0");
  }
}
