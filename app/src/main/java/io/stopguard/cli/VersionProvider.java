package io.stopguard.cli;

import picocli.CommandLine.IVersionProvider;

final class VersionProvider implements IVersionProvider {
  @Override
  public String[] getVersion() {
    String v = Main.class.getPackage().getImplementationVersion();
    return new String[] {"stopguard " + (v == null ? "dev" : v) + " (Java " + Runtime.version() + ")"};
  }
}
