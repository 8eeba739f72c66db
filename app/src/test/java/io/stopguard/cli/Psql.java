package io.stopguard.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** The real psql client, as an operator reads the runbook's tables on PostgreSQL. .ci/run installs it. */
public final class Psql {
  private Psql() {}

  public static String query(String url, String sql) throws IOException, InterruptedException {
    Process p;
    try {
      p = new ProcessBuilder("psql", url, "-X", "-q", "-t", "-A", "-c", sql).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new IOException("the psql client is needed by these tests: apt-get install postgresql-client", e);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException("psql failed: " + out);
    return out;
  }
}
