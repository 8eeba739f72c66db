package io.stopguard.bitget;

import java.util.Map;

/**
 * Bitget error codes the guard can meet, each with its kind and a one-line remediation hint for
 * the operator. Texts follow Bitget's docs, ccxt's error table and the team's runbook.
 */
public final class ErrorCatalogue {
  private ErrorCatalogue() {}

  private record Entry(ErrorKind kind, String hint) {}

  private static final Map<String, Entry> CODES = Map.ofEntries(
      e("40001", ErrorKind.BAD_KEY, "ACCESS-KEY header empty: the key is not configured"),
      e("40002", ErrorKind.BAD_KEY, "secret empty: re-enter the key with `stopguard keys add`"),
      e("40003", ErrorKind.BAD_KEY, "signature empty: the client did not sign; report a bug"),
      e("40011", ErrorKind.BAD_KEY, "passphrase empty: re-enter the key with its passphrase"),
      e("40004", ErrorKind.CLOCK, "request timestamp expired: local clock off Bitget's by > 30 s; fix NTP"),
      e("40005", ErrorKind.CLOCK, "invalid ACCESS-TIMESTAMP: local clock or client bug"),
      e("40008", ErrorKind.CLOCK, "request timestamp expired: local clock off Bitget's by > 30 s; fix NTP"),
      e("40006", ErrorKind.BAD_KEY, "invalid API key: check the key in user_exchange_keys"),
      e("40037", ErrorKind.BAD_KEY, "API key does not exist (deleted?): replace it with `stopguard keys add`"),
      e("40009", ErrorKind.BAD_KEY, "signature rejected: the stored secret is wrong; re-enter it"),
      e("40010", ErrorKind.BAD_KEY, "signature rejected: the stored secret is wrong; re-enter it"),
      e("40012", ErrorKind.BAD_KEY, "API key or passphrase incorrect: re-enter the passphrase"),
      e("40014", ErrorKind.PERMISSION, "the key lacks permission: enable futures trade on the key"),
      e("40018", ErrorKind.BAD_KEY, "IP not whitelisted for this key: add this host's IP on Bitget"),
      e("40017", ErrorKind.BAD_REQUEST, "parameter verification failed: check symbol, planType, holdSide"),
      e("400172", ErrorKind.BAD_REQUEST,
          "parameter verification failed: check orderType and planType (pos_loss, orderType=market)"),
      e("40019", ErrorKind.BAD_REQUEST, "a required parameter is missing"),
      e("40034", ErrorKind.BAD_REQUEST, "parameter does not exist (symbol?): check the symbol"),
      e("40762", ErrorKind.BAD_REQUEST, "order amount exceeds the balance"),
      e("40768", ErrorKind.GONE, "order does not exist (already triggered or cancelled)"),
      e("40774", ErrorKind.BAD_REQUEST,
          "holdSide does not match the position mode: one-way uses buy/sell, hedge uses long/short"),
      e("40786", ErrorKind.DUPLICATE_CLIENT_OID, "duplicate clientOid: an order with this id exists; look it up"),
      // Sources disagree whether Bitget's duplicate-clientOid code is 40786 or 40757 (bitget-sim/FIDELITY.md):
      // treated alike, the guard looks the clientOid up before it decides anything.
      e("40757", ErrorKind.DUPLICATE_CLIENT_OID, "duplicate clientOid (40757): an order with this id exists or existed; look it up"),
      e("40808", ErrorKind.BAD_REQUEST, "size precision error: round the size to the contract's volumePlace"),
      e("40812", ErrorKind.GONE,
          "no active position for this symbol/side, or wrong planType: check the position and planType"),
      e("40917", ErrorKind.WRONG_SIDE, "long stop must be below the mark price: lower the stop price"),
      e("45122", ErrorKind.WRONG_SIDE, "short stop must be above the mark price: raise the stop price"),
      e("41103", ErrorKind.BAD_REQUEST, "price precision error: round the price to the contract's tick"),
      e("43011", ErrorKind.BAD_REQUEST, "executePrice must be > 0 (or omitted for market execution)"),
      e("43025", ErrorKind.GONE, "plan order does not exist (already triggered or cancelled)"),
      e("45110", ErrorKind.BAD_REQUEST, "below the minimum order amount"),
      e("40404", ErrorKind.BAD_REQUEST, "unknown endpoint: check STOPGUARD_BITGET_BASE_URL"),
      e("429", ErrorKind.RETRYABLE, "rate limited: slow down and retry"),
      e("40015", ErrorKind.RETRYABLE, "Bitget system error: retry later"),
      e("40200", ErrorKind.RETRYABLE, "Bitget maintenance: retry later"),
      e("40308", ErrorKind.RETRYABLE, "Bitget maintenance: retry later"),
      e("41114", ErrorKind.RETRYABLE, "Bitget maintenance: retry later"));

  private static Map.Entry<String, Entry> e(String code, ErrorKind kind, String hint) {
    return Map.entry(code, new Entry(kind, hint));
  }

  public static ErrorKind kind(String code, int httpStatus) {
    if (httpStatus == 429 || httpStatus >= 500) return ErrorKind.RETRYABLE; // whatever the body says
    Entry e = code == null ? null : CODES.get(code);
    if (e != null) return e.kind;
    if (httpStatus == 429 || httpStatus >= 500) return ErrorKind.RETRYABLE;
    return ErrorKind.OTHER;
  }

  public static String hint(String code, int httpStatus) {
    Entry e = code == null ? null : CODES.get(code);
    if (e != null) return e.hint;
    if (httpStatus == 429) return "rate limited: slow down and retry";
    if (httpStatus >= 500) return "Bitget server error: retry later";
    return "see Bitget's error code list for " + code;
  }
}
