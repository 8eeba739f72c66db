package io.stopguard.cli;

/**
 * The long tests of real {@code watch} processes (fleets on PostgreSQL, SIGKILL, SIGSTOP) run
 * beside the in-process tests but never beside each other: two fleets at once on two cores would
 * stretch the real seconds their bounds are about.
 */
final class ProcessTests {
  static final String LOCK = "stopguard-watch-processes";

  private ProcessTests() {}
}
