package io.stopguard.cli;

import java.math.BigDecimal;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Prices and sizes as a person types them: digits with at most one point, at most 20 digits each
 * side. {@code 1e50000000}, {@code NaN} and {@code Infinity} are refused before any arithmetic
 * (an exponent that large would burn minutes of CPU in rounding).
 */
final class PlainDecimal implements CommandLine.ITypeConverter<BigDecimal> {
  private static final Pattern PLAIN = Pattern.compile("\\d{1,20}(\\.\\d{1,20})?");

  @Override
  public BigDecimal convert(String value) {
    String v = value.strip();
    if (!PLAIN.matcher(v).matches()) {
      throw new CommandLine.TypeConversionException("'" + KeysCommand.printable(value)
          + "' is not a plain decimal number (digits and at most one '.', e.g. 70.43)");
    }
    return new BigDecimal(v);
  }
}
