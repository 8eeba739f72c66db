package io.stopguard.bitget;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/** Bitget's answer to {@code cancel-plan-order}: what was cancelled and what was not, with why. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record CancelResult(List<Item> successList, List<Item> failureList) {
  public CancelResult {
    successList = successList == null ? List.of() : List.copyOf(successList);
    failureList = failureList == null ? List.of() : List.copyOf(failureList);
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Item(String orderId, String clientOid, String errorMsg, String errorCode) {}
}
