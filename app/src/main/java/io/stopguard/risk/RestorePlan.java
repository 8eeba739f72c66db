package io.stopguard.risk;

import io.stopguard.bitget.HoldSide;
import io.stopguard.bitget.PosMode;
import java.math.BigDecimal;

/** What a restore would do for an unprotected position: place a stop, or refuse and say why. */
public sealed interface RestorePlan {
  String symbol();

  HoldSide side();

  /** Place a whole-position {@code pos_loss} at {@code triggerPrice} (mark price, market execution). */
  record Place(String symbol, HoldSide side, PosMode posMode, BigDecimal triggerPrice, String basis) implements RestorePlan {}

  /** No safe stop exists (the mark price is already past it); closing is a human decision. */
  record Refuse(String symbol, HoldSide side, String reason, String options) implements RestorePlan {}
}
