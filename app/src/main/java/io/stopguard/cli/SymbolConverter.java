package io.stopguard.cli;

import java.util.Locale;
import picocli.CommandLine;

/** {@code --symbol}: a contract name (letters and digits), upper-cased; an empty or odd one is a usage error. */
final class SymbolConverter implements CommandLine.ITypeConverter<String> {
  @Override
  public String convert(String value) {
    String s = value.strip().toUpperCase(Locale.ROOT);
    if (!s.matches("[A-Z0-9]{2,40}")) {
      throw new CommandLine.TypeConversionException("a contract such as DASHUSDT (letters and digits), not '"
          + value.replaceAll("\\p{Cntrl}", "?") + "'");
    }
    return s;
  }
}
