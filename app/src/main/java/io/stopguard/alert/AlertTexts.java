package io.stopguard.alert;

import io.stopguard.bitget.Position;
import io.stopguard.risk.PositionVerdict;
import io.stopguard.risk.Verdict;
import io.stopguard.store.Incident;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.List;

/**
 * Alert texts in Telegram's HTML parse mode, Russian by default as the team writes them, English
 * by configuration. Everything that comes from outside (symbols, reasons, user ids) is escaped.
 */
public final class AlertTexts {
  private final boolean russian;

  public AlertTexts(String language) {
    this.russian = language == null || !language.equalsIgnoreCase("en");
  }

  /** The first alert of an incident, or a reminder. {@code restoreCommand} may be null. */
  public String unprotected(PositionVerdict v, String restoreCommand, boolean reminder, Duration bareFor) {
    Position p = v.position();
    StringBuilder sb = new StringBuilder();
    sb.append(russian ? "🚨 Bitget stop-loss отсутствует" : "🚨 Bitget stop-loss missing");
    if (reminder) sb.append(russian ? " (напоминание, без защиты " : " (reminder, bare for ").append(duration(bareFor)).append(')');
    sb.append('\n');
    line(sb, russian ? "Пользователь" : "User", esc(v.userId()));
    line(sb, russian ? "Позиция" : "Position", "<b>" + esc(p.symbol()) + " " + p.holdSide().name() + "</b> "
        + p.total().toPlainString());
    line(sb, "Mark price", p.markPrice().toPlainString() + (russian ? " · ликвидация " : " · liquidation ")
        + (p.liquidationPrice() == null ? "—" : p.liquidationPrice().toPlainString()));
    line(sb, russian ? "Вердикт" : "Verdict", "<b>" + v.verdict().name() + "</b> — "
        + (russian ? esc(verdictRu(v.verdict())) : esc(v.reasons().isEmpty() ? "" : String.join("; ", v.reasons()))));
    if (restoreCommand != null) {
      sb.append(russian ? "Восстановить:" : "Restore:").append('\n').append("<code>").append(esc(restoreCommand)).append("</code>");
    } else {
      sb.append(russian ? "Безопасный стоп невозможен (mark price за границей). Решение о закрытии — trading lead."
          : "No safe stop is possible (mark price is past it). Closing is the trading lead's decision.");
    }
    return sb.toString();
  }

  /**
   * A key's permissions or bound addresses changed on Bitget (a permission removed, an address bound):
   * told before a restore needs the key. {@code before}/{@code after} are Bitget's codes and addresses.
   */
  public String keyChanged(String userId, String before, String after, boolean canRestore) {
    StringBuilder sb = new StringBuilder(russian ? "⚠️ Bitget: права API-ключа изменились\n" : "⚠️ Bitget: an API key's permissions changed\n");
    line(sb, russian ? "Пользователь" : "User", esc(userId));
    line(sb, russian ? "Было" : "Before", esc(before));
    line(sb, russian ? "Стало" : "Now", esc(after));
    sb.append(canRestore
        ? (russian ? "Проверить ключ:" : "Check the key:")
        : (russian ? "<b>Этим ключом стоп не восстановить</b> (нет торговли фьючерсами). Включите её или замените ключ:"
            : "<b>This key cannot restore a stop</b> (no futures trading). Enable it or replace the key:"));
    sb.append('\n').append("<code>").append(esc("stopguard keys verify --user " + sh(userId))).append("</code>");
    return sb.toString();
  }

  /** What each verdict means, in the team's words (the detailed reasons stay in English in logs and -v). */
  public static String verdictRu(Verdict v) {
    return switch (v) {
      case PROTECTED -> "защищена";
      case MISSING -> "стоп-лосса нет";
      case WRONG_SIDE -> "триггер стопа по ту сторону mark price: сработает сразу или никогда";
      case BEYOND_LIQUIDATION -> "стоп за ценой ликвидации: ликвидация наступит раньше";
      case UNDERSIZED -> "частичные стопы покрывают не весь объём";
      case HOLD_SIDE_MISMATCH -> "стоп выставлен на другую сторону позиции (или путаница one-way/hedge)";
    };
  }

  /**
   * One word of a shell command built from exchange or store text (a symbol, a user id): as it is
   * when it holds only safe characters, else single-quoted, so pasting the command runs that
   * command and nothing else.
   */
  public static String sh(String word) {
    if (word != null && word.matches("[A-Za-z0-9_.@:+=/-]+")) return word;
    return "'" + String.valueOf(word).replace("'", "'\\''") + "'";
  }

  /** The recovery message: how it ended and how long the position was bare. */
  public String recovered(Incident i, boolean positionGone, String how) {
    StringBuilder sb = new StringBuilder();
    if (positionGone) sb.append(russian ? "✅ Bitget: позиция закрыта, инцидент завершён" : "✅ Bitget: position closed, incident resolved");
    else sb.append(russian ? "✅ Bitget stop-loss восстановлен" : "✅ Bitget stop-loss restored");
    sb.append('\n');
    line(sb, russian ? "Пользователь" : "User", esc(i.userId()));
    line(sb, russian ? "Позиция" : "Position", "<b>" + esc(i.symbol()) + " " + i.holdSide() + "</b>");
    line(sb, russian ? "Как" : "How", esc(how));
    line(sb, russian ? "Без защиты" : "Bare for", duration(i.bareFor()));
    return sb.toString().stripTrailing();
  }

  /**
   * Automatic restore has not produced a confirmed stop within its bound: a person must act.
   * {@code error} is Bitget's last answer with its code and the operator hint.
   */
  public String restoreFailing(Incident i, String error, Duration bareFor) {
    StringBuilder sb = new StringBuilder();
    sb.append(russian ? "🆘 Bitget stop-loss: восстановление не удаётся" : "🆘 Bitget stop-loss: restore failing").append('\n');
    line(sb, russian ? "Пользователь" : "User", esc(i.userId()));
    line(sb, russian ? "Позиция" : "Position", "<b>" + esc(i.symbol()) + " " + i.holdSide() + "</b>");
    line(sb, russian ? "Попыток" : "Attempts", Integer.toString(i.attempts()));
    line(sb, russian ? "Без защиты" : "Bare for", duration(bareFor));
    line(sb, russian ? "Ответ Bitget" : "Bitget said", esc(error));
    sb.append(russian ? "Действие: поставить стоп вручную:" : "Action: place the stop by hand:").append('\n')
        .append("<code>").append(esc("stopguard stop-orders --user " + sh(i.userId()) + " --symbol " + sh(i.symbol())
            + " --direction " + i.holdSide() + " --dry-run")).append("</code>");
    return sb.toString();
  }

  /** An account with an active key that the guard cannot watch: nobody protects its positions. */
  public String unguarded(String userId, String maskedKey, String reason) {
    StringBuilder sb = new StringBuilder();
    sb.append(russian ? "⚠️ Bitget: аккаунт не охраняется" : "⚠️ Bitget: account not guarded").append('\n');
    line(sb, russian ? "Пользователь" : "User", esc(userId));
    line(sb, russian ? "Ключ" : "Key", esc(maskedKey));
    line(sb, russian ? "Причина" : "Reason", esc(reason));
    sb.append(russian ? "Действие: " : "Action: ").append("<code>")
        .append(esc("stopguard keys verify --user " + sh(userId))).append("</code>")
        .append(russian ? ", затем keys reset" : ", then keys reset");
    return sb.toString();
  }

  /** The account's key works again. */
  public String guardedAgain(String userId, String maskedKey) {
    return (russian ? "✅ Bitget: аккаунт снова охраняется" : "✅ Bitget: account guarded again") + "\n"
        + (russian ? "Пользователь: " : "User: ") + esc(userId) + " (" + esc(maskedKey) + ")";
  }

  /** A position whose stop keeps disappearing: said once, instead of an alert and a recovery per episode. */
  public String flapping(String positionKey, int episodes, Duration window) {
    return (russian ? "🔁 Bitget stop-loss мигает: " : "🔁 Bitget stop-loss flapping: ") + "<b>" + esc(positionKey) + "</b>\n"
        + (russian ? "Без защиты " + episodes + " раз(а) за " + duration(window)
            + ". Стоп снимают снаружи (бот или человек?). Отдельные уведомления приостановлены до стабилизации."
            : "Bare " + episodes + " times within " + duration(window)
                + ". Something removes the stop (a bot or a person?). Per-episode alerts are held back until it settles.");
  }

  /** The flapping position has had no new bare episode for {@code quiet}. */
  public String flapSettled(String positionKey, int episodes, Duration lasted, Duration quiet) {
    return (russian ? "✅ Bitget stop-loss стабилен: " : "✅ Bitget stop-loss settled: ") + "<b>" + esc(positionKey) + "</b>\n"
        + (russian ? "Эпизодов без защиты: " + episodes + " за " + duration(lasted) + "; новых нет уже " + duration(quiet) + "."
            : "Bare episodes: " + episodes + " over " + duration(lasted) + "; none for " + duration(quiet) + ".");
  }

  /** A flapping position whose latest episode did not end: it is simply bare now. */
  public String bareWhileFlapping(String positionKey, Duration bareFor) {
    return (russian ? "🚨 Bitget stop-loss отсутствует: " : "🚨 Bitget stop-loss missing: ") + "<b>" + esc(positionKey) + "</b>\n"
        + (russian ? "Без защиты уже " + duration(bareFor) + " (после мигания). Проверьте: stopguard check -v"
            : "Bare for " + duration(bareFor) + " (after flapping). Check: stopguard check -v");
  }

  /** Restore in dry-run: the alert's first line and the exact request that would be sent. */
  public String dryRun(PositionVerdict v, String requestBody, String basis) {
    // the header, the user and the position, as every alert names them
    return String.join("\n", unprotected(v, null, false, null).lines().limit(3).toList()) + "\n"
        + esc("dry-run: would send POST /api/v2/mix/order/place-tpsl-order " + requestBody + " (" + basis + ")");
  }

  /** The nightly summary: one line per check. */
  public String nightly(List<String> lines, boolean allOk) {
    String head = allOk ? (russian ? "✅ Nightly-проверки Bitget: всё в порядке" : "✅ Bitget nightly checks: all good")
        : (russian ? "❌ Nightly-проверки Bitget: есть проблемы" : "❌ Bitget nightly checks: problems found");
    StringBuilder sb = new StringBuilder(head).append('\n');
    for (String l : lines) sb.append(esc(l)).append('\n');
    return sb.toString().stripTrailing();
  }

  public String duration(Duration d) {
    if (d == null) return "—";
    long s = Math.max(0, d.toSeconds());
    if (d.toMillis() < 50) return russian ? "< 0,1 с" : "< 0.1 s"; // never "0.0": it was not instant
    if (s < 10) { // sub-10-second restores are the point: show them to the tenth
      String v = BigDecimal.valueOf(Math.max(0, d.toMillis()), 3).setScale(1, RoundingMode.HALF_UP).toPlainString();
      return v + (russian ? " с" : " s");
    }
    long h = s / 3600;
    long m = (s % 3600) / 60;
    long sec = s % 60;
    if (russian) return (h > 0 ? h + " ч " : "") + (h > 0 || m > 0 ? m + " мин " : "") + sec + " с";
    return (h > 0 ? h + " h " : "") + (h > 0 || m > 0 ? m + " min " : "") + sec + " s";
  }

  private static void line(StringBuilder sb, String label, String value) {
    sb.append(label).append(": ").append(value).append('\n');
  }

  /** The text without Telegram's HTML, for a terminal. */
  public static String plain(String html) {
    return html.replaceAll("</?(b|i|code|pre)>", "").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
  }

  /** Telegram's HTML mode needs exactly these three escaped. */
  public static String esc(String s) {
    return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
