package io.stopguard.check;

import io.stopguard.bitget.BitgetException;
import io.stopguard.risk.PositionVerdict;
import java.util.List;

/** What the check found for one key: verdicts, or the error that stopped it. */
public record AccountResult(String userId, String maskedKey, List<PositionVerdict> verdicts, BitgetException error) {
  public boolean ok() {
    return error == null;
  }
}
