package io.stopguard.status;

import io.stopguard.alert.AlertTexts;
import io.stopguard.risk.PositionVerdict;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * The status page's words, in one language end to end: English by default, Russian with
 * {@code status.language: ru} (its own setting; the alerts follow {@code telegram.language}).
 */
public final class Labels {
  private static final Map<String, String[]> WORDS = Map.ofEntries(
      w("safe", "Все позиции под стоп-лоссом", "Every position has a stop-loss"),
      w("unsafe", "Есть позиции без защиты", "Positions are unprotected"),
      w("bare", "Без стопа", "Bare"),
      w("protected", "Под стопом", "Protected"),
      w("accounts", "Аккаунты", "Accounts"),
      w("guarded", "под охраной", "guarded"),
      w("unguarded", "без охраны", "unguarded"),
      w("incidentsOpen", "Открытые инциденты", "Open incidents"),
      w("oldestReconcile", "Самая старая сверка", "Oldest reconcile"),
      w("budget", "Лимит IP Bitget", "Bitget IP budget in use"),
      w("instances", "Экземпляры", "Instances"),
      w("verdict", "Вердикт", "Verdict"),
      w("user", "Пользователь", "User"),
      w("symbol", "Символ", "Symbol"),
      w("side", "Сторона", "Side"),
      w("size", "Размер", "Size"),
      w("entry", "Вход", "Entry"),
      w("mark", "Mark", "Mark"),
      w("liquidation", "Ликвидация", "Liquidation"),
      w("stop", "Стоп", "Stop"),
      w("distance", "До стопа", "Mark → stop"),
      w("loss", "Если стоп сработает", "If the stop fires"),
      w("ofEquity", "капитала", "of equity"),
      w("toLiquidation", "без стопа — до ликвидации", "no stop: down to liquidation"),
      w("watched", "Наблюдение", "Watched by"),
      w("verified", "Проверено", "Verified"),
      w("all", "все", "all"),
      w("filter", "Показать", "Show"),
      w("positions", "позиций", "positions"),
      w("updated", "обновлено", "updated"),
      w("previous", "назад", "previous"),
      w("next", "дальше", "next"),
      w("incidents", "Инциденты", "Incidents"),
      w("noIncidents", "Инцидентов за сутки нет.", "No incidents in the last 24 hours."),
      w("timeToRestore", "восстановлено за", "time to restore"),
      w("timeToDetect", "обнаружено за", "time to detect"),
      w("detected", "обнаружено", "detected"),
      w("alerted", "оповещение", "alerted"),
      w("restoring", "восстановление", "restoring"),
      w("escalated", "эскалация", "escalated"),
      w("stale", "Данные устарели, переподключение… Последнее обновление:", "Stale, reconnecting… Last update:"),
      w("allPositions", "все позиции", "all positions"),
      w("equity", "Капитал", "Equity"),
      w("lastError", "Последняя ошибка", "Last error"),
      w("keys", "Ключи", "Keys"),
      w("active", "активен", "active"),
      w("boundTo", "привязан к", "bound to"),
      w("canWithdraw", "РИСК: ключ может выводить средства", "RISK: the key can withdraw funds"),
      w("cannotRestore", "только наблюдение: этим ключом стоп не восстановить", "watched, cannot restore: this key cannot trade"),
      w("inactive", "отключён", "inactive"),
      w("login", "Войти", "Log in"),
      w("token", "Токен", "Token"),
      w("badToken", "Неверный токен", "Wrong token"),
      w("notAllSeen", "не все ещё проверены", "not all seen yet"),
      w("never", "никогда", "never"),
      w("notWatched", "не наблюдается этим экземпляром", "not watched by this instance"),
      w("polled", "опрос", "polled"),
      w("sec", "с", "s"),
      w("min", "мин", "min"),
      w("hour", "ч", "h"),
      w("fix", "Исправить", "Fix"),
      w("state.detected", "обнаружено", "detected"),
      w("state.alerted", "оповещено", "alerted"),
      w("state.restoring", "восстанавливается", "restoring"),
      w("state.restored", "восстановлено", "restored"),
      w("state.resolved", "завершено", "resolved"),
      w("state.failed", "не удалось", "failed"),
      w("state.escalated", "эскалация", "escalated"));

  private static Map.Entry<String, String[]> w(String key, String ru, String en) {
    return Map.entry(key, new String[] {ru, en});
  }

  private final boolean ru;

  /** {@code ru} for Russian; anything else (or null) is English. */
  public Labels(String language) {
    this.ru = "ru".equalsIgnoreCase(language);
  }

  /** A verdict's reason in this language: Bitget's terms in English, the team's words in Russian. */
  public String reason(PositionVerdict v) {
    if (v.verdict().isProtected()) return "";
    return ru ? AlertTexts.verdictRu(v.verdict()) : String.join("; ", v.reasons());
  }

  /** A duration to the tenth of a second, with this language's unit. */
  public String seconds(Duration d) {
    if (d.toMillis() < 50) return (ru ? "< 0,1 " : "< 0.1 ") + get("sec"); // never "0.0": it was not instant
    return String.format(Locale.ROOT, "%.1f ", d.toMillis() / 1000.0) + get("sec");
  }

  /** An age: seconds, minutes or hours, with this language's units. */
  public String age(long s) {
    return s < 120 ? s + " " + get("sec") : s < 7200 ? (s / 60) + " " + get("min") : (s / 3600) + " " + get("hour");
  }

  public String lang() {
    return ru ? "ru" : "en";
  }

  public String get(String key) {
    String[] w = WORDS.get(key);
    return w == null ? key : w[ru ? 0 : 1];
  }

  /** An API key as the page shows it: its first characters, never the rest. */
  public static String mask(String apiKey) {
    if (apiKey == null) return "";
    return apiKey.substring(0, Math.min(4, apiKey.length())) + "****";
  }
}
