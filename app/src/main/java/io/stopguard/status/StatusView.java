package io.stopguard.status;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What the status page shows, as plain values (the templates only format them): the header that
 * answers "are we safe?", the positions (bare first), the incidents, and the query that chose them.
 */
public record StatusView(Header header, List<Row> rows, int totalRows, int page, int pages, Query query,
    List<IncidentRow> incidents, String generatedAt) {

  /** The figures at the top. {@code safe} only when nothing is bare, nothing unguarded and the flag is down. */
  public record Header(int bare, int protectedCount, int accountsGuarded, List<String> unguarded, int openIncidents, int flag,
      String oldestReconcile, int webSocketsLive, int webSocketsMax, String budgetShare, List<String> instances,
      List<String> degradedBecause) {
    public boolean safe() {
      return bare == 0 && unguarded.isEmpty() && flag == 0 && degradedBecause.isEmpty();
    }
  }

  /**
   * One position. Numbers are pre-formatted strings ("—" when unknown); {@code key} is
   * {@code USER:SYMBOL:SIDE} as in {@code stoploss_missing=[...]}, {@code verdict} the verdict's name. The loss is
   * what the stop's firing costs, or, without a valid stop ({@code lossToLiquidation}), what reaching liquidation costs.
   */
  public record Row(String key, String eventName, String user, String symbol, String side, String size, String entry,
      String mark, String liquidation, String stop, String stopType, String distance, String lossUsdt, String lossEquity,
      boolean lossToLiquidation, String verdict, String reason, boolean bare, String watchedBy, String verifiedAt, String owner,
      String fix) {
    /**
     * The row's element id and event name, derived from its key injectively: letters and digits
     * stay, any other character becomes {@code _} and its code ({@code john.doe} and {@code john_doe}
     * differ). Never read from the shared database: {@link #trusted} derives it again.
     */
    public static String eventNameOf(String key) {
      StringBuilder sb = new StringBuilder("r-");
      key.codePoints().forEach(c -> {
        if (c < 128 && Character.isLetterOrDigit(c)) sb.appendCodePoint(c);
        else sb.append('_').append(Integer.toHexString(c)).append('_');
      });
      return sb.toString();
    }

    /** This row as published by another instance, with what must not come from the database derived here. */
    public Row trusted() {
      return new Row(key, eventNameOf(key), user, symbol, side, size, entry, mark, liquidation, stop, stopType, distance, lossUsdt,
          lossEquity, lossToLiquidation, verdict, reason, bare, watchedBy, verifiedAt, owner, fix);
    }
  }

  /** One incident: detected → alerted → restoring → restored / resolved / failed / escalated, with the audit of its restore. */
  public record IncidentRow(long id, String key, String verdict, String state, String detectedAt, String alertedAt,
      String restoringAt, String endedAt, String timeToDetect, String timeToRestore, String restoredBy, String escalatedAt, String lastError,
      List<String> audit) {}

  /** The filters, sort and page asked for (the same on the page's links and on its event stream). */
  public record Query(String user, String symbol, String verdict, String sort, int page) {
    public static final int PAGE_SIZE = 100;

    public String params(int otherPage) {
      StringBuilder sb = new StringBuilder();
      add(sb, "user", user);
      add(sb, "symbol", symbol);
      add(sb, "verdict", verdict);
      add(sb, "sort", sort);
      if (otherPage > 1) add(sb, "page", Integer.toString(otherPage));
      return sb.toString();
    }

    public String withSort(String s) {
      return new Query(user, symbol, verdict, s, 1).params(1);
    }

    private static void add(StringBuilder sb, String k, String v) {
      if (v == null || v.isEmpty()) return;
      sb.append(sb.isEmpty() ? "?" : "&").append(k).append('=')
          .append(URLEncoder.encode(v, StandardCharsets.UTF_8));
    }
  }
}
