package io.stopguard.cli;

import io.stopguard.bitget.BitgetException;
import io.stopguard.check.NoActiveKeysException;
import io.stopguard.restore.StopRejectedException;
import io.stopguard.store.StoreException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.math.BigDecimal;
import picocli.CommandLine;

/** Entry point of the {@code stopguard} command. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(run(Cli.system(), args));
  }

  /** Runs one command line and returns its exit code; never throws, never prints a stack trace. */
  public static int run(Cli cli, String... args) {
    CommandLine.IFactory factory = factory(cli);
    CommandLine cmd = new CommandLine(new StopguardCommand(), factory);
    Class<?> named = args.length == 0 ? null : StopguardCommand.SUBCOMMANDS.get(args[0]);
    try {
      if (named != null && named != CommandLine.HelpCommand.class) {
        cmd.addSubcommand(args[0], factory.create(named));
      } else if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
        // the version needs no command
      } else {
        for (var sub : StopguardCommand.SUBCOMMANDS.entrySet()) cmd.addSubcommand(sub.getKey(), factory.create(sub.getValue()));
      }
    } catch (Exception e) {
      throw new IllegalStateException("cannot build the commands", e);
    }
    cmd.setOut(new PrintWriter(cli.out(), true));
    cmd.setErr(new PrintWriter(cli.err(), true));
    cmd.setCaseInsensitiveEnumValuesAllowed(true);
    cmd.registerConverter(BigDecimal.class, new PlainDecimal());
    cmd.setUsageHelpWidth(100);
    cmd.setParameterExceptionHandler((ex, a) -> {
      CommandLine c = ex.getCommandLine();
      c.getErr().println("stopguard: " + ex.getMessage());
      // "Did you mean ...?" for a mistyped command or option (picocli's own suggestions).
      CommandLine.UnmatchedArgumentException.printSuggestions(ex, c.getErr());
      c.getErr().println("Try '" + c.getCommandSpec().qualifiedName() + " --help'.");
      return ExitCodes.USAGE;
    });
    cmd.setExecutionExceptionHandler((ex, c, parsed) -> {
      String name = c.getCommandSpec().qualifiedName();
      if (ex instanceof UsageException || ex instanceof IllegalArgumentException
          || ex instanceof StopRejectedException) {
        c.getErr().println(name + ": " + ex.getMessage());
        return ExitCodes.USAGE;
      }
      if (ex instanceof StoreException || ex instanceof NoActiveKeysException || ex instanceof UncheckedIOException
          || ex instanceof IllegalStateException) {
        c.getErr().println(name + ": " + ex.getMessage());
        return ExitCodes.INCOMPLETE;
      }
      if (ex instanceof BitgetException be) {
        c.getErr().println(name + ": " + be.getMessage() + " — " + be.hint());
        return ExitCodes.INCOMPLETE;
      }
      // No Java class name for the reader: the message, or that there was none.
      String what = ex.getMessage() == null || ex.getMessage().isBlank() ? "an internal error without a message" : ex.getMessage();
      c.getErr().println(name + ": unexpected error: " + what + " (run with -Dstopguard.debug=true for details)");
      if (Boolean.getBoolean("stopguard.debug")) ex.printStackTrace(cli.err());
      return ExitCodes.INCOMPLETE;
    });
    try {
      return cmd.execute(args);
    } finally {
      closeExchanges(cmd);
    }
  }

  /** Closes the HTTP clients the command's {@link ExchangeOptions} made, so the JVM can exit at once. */
  private static void closeExchanges(CommandLine cmd) {
    CommandLine.ParseResult parsed = cmd.getParseResult();
    if (parsed == null) return;
    for (CommandLine c : parsed.asCommandLineList()) {
      for (CommandLine.Model.CommandSpec mixin : c.getCommandSpec().mixins().values()) {
        if (mixin.userObject() instanceof ExchangeOptions ex) ex.closeAll();
      }
    }
  }

  /** Commands that take a {@link Cli} get it through their constructor. */
  private static CommandLine.IFactory factory(Cli cli) {
    CommandLine.IFactory fallback = CommandLine.defaultFactory();
    return new CommandLine.IFactory() {
      @Override
      public <K> K create(Class<K> cls) throws Exception {
        try {
          Constructor<K> c = cls.getDeclaredConstructor(Cli.class);
          return c.newInstance(cli);
        } catch (NoSuchMethodException e) {
          return fallback.create(cls);
        }
      }
    };
  }
}
