package io.stopguard.cli;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** What a command may touch of the outside world: environment and standard streams. Tests pass their own. */
public record Cli(Map<String, String> env, InputStream in, PrintStream out, PrintStream err, boolean interactive) {
  public static Cli system() {
    return new Cli(System.getenv(), System.in, System.out, System.err, System.console() != null);
  }

  public String env(String name) {
    String v = env.get(name);
    return v == null || v.isBlank() ? null : v;
  }

  public BufferedReader stdinReader() {
    return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
  }
}
