package io.stopguard.probe;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Where a probe's report is kept: {@code HOME/probes/<host>[_port]-<demo|live>.json}, one per
 * exchange environment. `watch --restore on` looks here and warns when an environment it restores
 * on has never been probed.
 */
public final class ProbeRecord {
  private ProbeRecord() {}

  public static Path file(Path home, URI baseUrl, boolean demo) {
    String host = (baseUrl.getHost() == null ? "unknown" : baseUrl.getHost()) + (baseUrl.getPort() > 0 ? "_" + baseUrl.getPort() : "");
    return home.resolve("probes").resolve(host.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "_") + "-"
        + (demo ? "demo" : "live") + ".json");
  }

  /** Whether any probe of this exchange host (demo or live) is recorded in this home. */
  public static boolean anyFor(Path home, URI baseUrl) {
    return Files.exists(file(home, baseUrl, true)) || Files.exists(file(home, baseUrl, false));
  }
}
