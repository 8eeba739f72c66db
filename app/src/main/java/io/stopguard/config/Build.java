package io.stopguard.config;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * What this binary is: its version, the commit it was built from (with "-dirty" when the tree had
 * changes) and that commit's time, as Maven wrote them at build time. "unknown" where the build
 * could not tell (a build outside a git checkout).
 */
public record Build(String version, String revision, String commitTime) {
  private static final Build CURRENT = read();

  public static Build current() {
    return CURRENT;
  }

  private static Build read() {
    Properties p = new Properties();
    try (InputStream in = Build.class.getResourceAsStream("/stopguard-version.properties")) {
      if (in != null) p.load(in);
    } catch (IOException e) {
      // every field "unknown"
    }
    String revision = known(p.getProperty("revision"));
    if (!revision.equals("unknown") && "true".equals(p.getProperty("dirty"))) revision += "-dirty";
    return new Build(known(p.getProperty("version")), revision, known(p.getProperty("commitTime")));
  }

  private static String known(String v) {
    return v == null || v.isBlank() || v.startsWith("${") ? "unknown" : v.trim();
  }

  /** "0.1.0 (revision 1a2b3c4d5e, 2026-12-05T04:11:54Z)". */
  public String describe() {
    return version + " (revision " + revision + ", " + commitTime + ")";
  }
}
