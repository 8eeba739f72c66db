package io.stopguard.incident;

import io.stopguard.risk.PositionVerdict;
import io.stopguard.store.Incident;

/** What a check means for the incident of one position. */
public sealed interface Decision {
  /** A position became unprotected: open an incident and alert. */
  record Open(PositionVerdict verdict) implements Decision {}

  /** Still unprotected and the reminder interval has passed: alert again. */
  record Remind(Incident incident, PositionVerdict verdict) implements Decision {}

  /** Still unprotected, for another reason now: record it, no new alert. */
  record Changed(Incident incident, PositionVerdict verdict) implements Decision {}

  /** Protected again: close as restored, send the recovery message. */
  record Restored(Incident incident, PositionVerdict verdict) implements Decision {}

  /** The position is gone (closed, liquidated): close as resolved, send the recovery message. */
  record Gone(Incident incident) implements Decision {}
}
