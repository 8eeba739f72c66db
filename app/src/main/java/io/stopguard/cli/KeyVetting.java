package io.stopguard.cli;

import io.stopguard.bitget.BitgetApiException;
import io.stopguard.bitget.BitgetClient;
import io.stopguard.bitget.KeyInfo;
import java.util.ArrayList;
import java.util.List;

/**
 * What a key may do, asked of Bitget before it is stored ({@code keys add}, {@code keys import
 * --verify}, {@code keys verify}): a key that cannot place futures stops is refused unless it is
 * meant for checks only ({@code --read-only-ok}); one that can withdraw is refused unless
 * {@code --allow-withdraw}; one bound to other addresses is stored with one line saying where it
 * works. Bitget's permission codes are data: an unknown one is said, never read as "no".
 */
record KeyVetting(boolean readOnlyOk, boolean allowWithdraw) {
  /** The answer for one key: {@code info} (null when Bitget would not say: 40018), a refusal or nothing, and warnings. */
  record Verdict(KeyInfo info, String refusal, List<String> warnings) {
    boolean refused() {
      return refusal != null;
    }
  }

  /**
   * Asks Bitget about the key {@code client} signs with, from {@code from} (this host's egress address
   * as given, or null). Other Bitget errors (a wrong secret, a deleted key) are thrown as they are.
   */
  Verdict vet(BitgetClient client, String from) {
    KeyInfo info;
    try {
      info = client.keyInfo();
    } catch (BitgetApiException e) {
      if (!"40018".equals(e.code())) throw e;
      return new Verdict(null, null, List.of("bound to other addresses than this host's" + (from == null ? "" : " (" + from + ")")
          + " (Bitget 40018): it works only from those; ask from one of them with STOPGUARD_SOURCE_IP=ADDR stopguard keys verify,"
          + " and a fleet places it on an instance whose --source-ip it allows"));
    }
    return judge(info, from);
  }

  Verdict judge(KeyInfo info, String from) {
    List<String> warnings = new ArrayList<>();
    Boolean trade = info.canTrade();
    if (Boolean.FALSE.equals(trade) && !readOnlyOk) {
      return new Verdict(info, "this key cannot restore a stop: enable futures trading on it (permissions: "
          + String.join(", ", info.authorities()) + "), or store it for checks only with --read-only-ok", warnings);
    }
    if (info.canWithdraw() && !allowWithdraw) {
      return new Verdict(info, "this key can withdraw funds, which a guard never needs: make one without withdrawal"
          + " (futures read and trade), or store it anyway with --allow-withdraw", warnings);
    }
    if (Boolean.FALSE.equals(trade)) warnings.add("read-only: watched, cannot restore a stop (stored with --read-only-ok)");
    if (trade == null) {
      warnings.add("Bitget lists permissions stopguard does not know (" + String.join(", ", info.unknownCodes())
          + "): whether it can trade futures shows at the first restore");
    }
    if (info.canWithdraw()) warnings.add("can withdraw funds (stored with --allow-withdraw): listed as a risk");
    if (!info.ips().isEmpty() && from != null && !info.usableFrom(from)) {
      warnings.add("bound to " + String.join(", ", info.ips()) + ": it works only from there, not from " + from);
    }
    return new Verdict(info, null, warnings);
  }

  /** "read, trade; bound to 127.0.0.2" for listings: permissions as Bitget's codes, addresses, never a secret. */
  static String describe(KeyInfo info) {
    if (info == null) return "not asked yet";
    return (info.authorities().isEmpty() ? "no permissions listed" : String.join(",", info.authorities()))
        + (info.ips().isEmpty() ? "; any address" : "; bound to " + String.join(",", info.ips()))
        + (info.canWithdraw() ? "; RISK: can withdraw" : "")
        + (Boolean.FALSE.equals(info.canTrade()) ? "; cannot restore" : "");
  }
}
