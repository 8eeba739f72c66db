package io.stopguard.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "install-cron",
    header = "Print or install the run_nightly_bitget_checks cron line.",
    mixinStandardHelpOptions = true,
    description = {
        "Print (or with --write, install) the cron line of the nightly checks.",
        "Its command is deploy/cron/run_nightly_bitget_checks, so the runbook's",
        "  grep run_nightly_bitget_checks /etc/crontab",
        "finds it. --write replaces an existing run_nightly_bitget_checks line.",
        "Alternative without cron: deploy/systemd/stopguard-nightly.{service,timer}.",
    })
final class InstallCronCommand implements Callable<Integer> {
  static final String MARK = "run_nightly_bitget_checks";
  private final Cli cli;

  @Mixin
  HomeOptions home;

  @Option(names = "--schedule", paramLabel = "CRON", defaultValue = "17 3 * * *",
      description = "Cron schedule (default: ${DEFAULT-VALUE}, 03:17 daily).")
  String schedule;

  @Option(names = "--run-as", paramLabel = "USER", defaultValue = "root", description = "User field of /etc/crontab (default: ${DEFAULT-VALUE}).")
  String runAs;

  @Option(names = "--crontab", paramLabel = "FILE", defaultValue = "/etc/crontab", description = "Crontab to write (default: ${DEFAULT-VALUE}).")
  Path crontab;

  @Option(names = "--write", description = "Install the line instead of printing it.")
  boolean write;

  InstallCronCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() throws IOException {
    if (schedule.trim().split("\\s+").length != 5) throw new UsageException("--schedule needs 5 cron fields, got '" + schedule + "'");
    if (!runAs.matches("[a-z_][a-z0-9_-]*")) throw new UsageException("--run-as is not a user name: " + runAs);
    String root = System.getProperty("stopguard.root");
    Path script = (root != null ? Path.of(root) : Path.of("").toAbsolutePath()).resolve("deploy/cron/" + MARK);
    Path h = home.home(cli).toAbsolutePath();
    String line = schedule.trim() + " " + runAs + " STOPGUARD_HOME=" + h + " " + script;
    if (!write) {
      cli.out().println(line);
      return ExitCodes.OK;
    }
    List<String> lines = Files.exists(crontab) ? new ArrayList<>(Files.readAllLines(crontab, StandardCharsets.UTF_8)) : new ArrayList<>();
    lines.removeIf(l -> l.contains(MARK));
    lines.add(line);
    Path tmp = crontab.resolveSibling("." + crontab.getFileName() + ".stopguard.tmp");
    Files.write(tmp, lines, StandardCharsets.UTF_8);
    Files.move(tmp, crontab, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    cli.out().println("installed in " + crontab + ": " + line);
    return ExitCodes.OK;
  }
}
