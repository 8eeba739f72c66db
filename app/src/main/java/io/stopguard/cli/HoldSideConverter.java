package io.stopguard.cli;

import io.stopguard.bitget.HoldSide;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** LONG / SHORT (also long, short, buy, sell). */
final class HoldSideConverter implements ITypeConverter<HoldSide> {
  @Override
  public HoldSide convert(String value) {
    try {
      return HoldSide.parse(value);
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException("'" + value + "' is not a direction: use LONG or SHORT");
    }
  }
}
