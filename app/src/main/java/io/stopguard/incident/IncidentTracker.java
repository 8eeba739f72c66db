package io.stopguard.incident;

import io.stopguard.risk.PositionVerdict;
import io.stopguard.store.Incident;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a check's verdicts into incident decisions. Pure: open incidents and verdicts in,
 * decisions out. Only accounts that answered are judged: an account the check could not see keeps
 * its incidents as they are.
 */
public final class IncidentTracker {
  private IncidentTracker() {}

  public static List<Decision> reconcile(List<Incident> open, List<PositionVerdict> verdicts, Set<String> answeredUsers,
      Instant now, Duration reminder) {
    Map<String, Incident> openByKey = new HashMap<>();
    for (Incident i : open) openByKey.put(i.key(), i);
    Map<String, PositionVerdict> byKey = new HashMap<>();
    for (PositionVerdict v : verdicts) byKey.put(v.key(), v);

    List<Decision> out = new ArrayList<>();
    for (PositionVerdict v : verdicts) {
      if (v.verdict().isProtected()) continue;
      Incident i = openByKey.get(v.key());
      if (i == null) {
        out.add(new Decision.Open(v));
      } else if (reminder != null && !reminder.isZero() && i.lastAlertAt() != null
          && !i.lastAlertAt().plus(reminder).isAfter(now)) {
        out.add(new Decision.Remind(i, v));
      } else if (!i.verdict().equals(v.verdict().name())) {
        out.add(new Decision.Changed(i, v));
      }
    }
    for (Incident i : open) {
      if (!answeredUsers.contains(i.userId())) continue;
      PositionVerdict v = byKey.get(i.key());
      if (v == null) out.add(new Decision.Gone(i));
      else if (v.verdict().isProtected()) out.add(new Decision.Restored(i, v));
    }
    return out;
  }
}
