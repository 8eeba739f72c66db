package io.stopguard.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** The real sqlite3 CLI, as the runbook uses it. README's test setup installs it. */
public final class Sqlite3 {
  private Sqlite3() {}

  public static String query(Path db, String sql) throws IOException, InterruptedException {
    Process p;
    try {
      p = new ProcessBuilder("sqlite3", db.toString(), sql).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new IOException("the sqlite3 CLI is needed by these tests: apt-get install sqlite3", e);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException("sqlite3 failed: " + out);
    return out;
  }
}
