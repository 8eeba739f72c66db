package io.stopguard.status;

import java.util.Map;

/** The status page's words in Russian or English, as the alerts are ({@code telegram.language}). */
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
      w("inactive", "отключён", "inactive"),
      w("login", "Войти", "Log in"),
      w("token", "Токен", "Token"),
      w("badToken", "Неверный токен", "Wrong token"));

  private static Map.Entry<String, String[]> w(String key, String ru, String en) {
    return Map.entry(key, new String[] {ru, en});
  }

  private final boolean ru;

  public Labels(String language) {
    this.ru = !"en".equalsIgnoreCase(language);
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
