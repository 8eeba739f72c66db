package io.stopguard.cli;

import picocli.CommandLine.IVersionProvider;

final class VersionProvider implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String v = Main.class.getPackage().getImplementationVersion();
    if (v == null) { // run from classes (./stopguard builds them): the version Maven wrote at build time
      try (var in = Main.class.getResourceAsStream("/stopguard-version.properties")) {
        if (in != null) {
          var p = new java.util.Properties();
          p.load(in);
          String built = p.getProperty("version");
          if (built != null && !built.startsWith("${")) v = built;
        }
      } catch (java.io.IOException e) {
        // fall back to "dev"
      }
    }
    return new String[] {"stopguard " + (v == null ? "dev" : v) + " (Java " + Runtime.version() + ")"};
  }
}
