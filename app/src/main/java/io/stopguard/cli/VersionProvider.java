package io.stopguard.cli;

import io.stopguard.config.Build;
import picocli.CommandLine.IVersionProvider;

/** {@code --version}: the version, the commit it was built from and its time, and the Java it runs on. */
final class VersionProvider implements IVersionProvider {
  @Override
  public String[] getVersion() {
    Build b = Build.current();
    return new String[] {"stopguard " + b.version(), "revision " + b.revision() + ", committed " + b.commitTime(),
        "Java " + Runtime.version() + " (" + System.getProperty("java.vendor", "?") + ")"};
  }
}
