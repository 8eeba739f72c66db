package io.stopguard.probe;

import io.stopguard.bitget.PosMode;
import io.stopguard.sim.Fidelity;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A probe run: a finding per unknown, every request with Bitget's answer (no headers, so no key or
 * signature), the WebSocket pushes, and what the clean-up could not remove.
 */
public record ProbeReport(String symbol, PosMode mode, List<Finding> findings, List<Probe.Exchange> exchanges,
    List<PushRecorder.Push> pushes, List<String> leftovers, boolean aborted) {

  /** The behaviours seen that no simulator variant models: stopguard is not tested for them. */
  public List<Finding> untested() {
    return findings.stream().filter(f -> !f.modelled()).toList();
  }

  /** Unknowns of FIDELITY.md the run did not settle (aborted early, WebSocket down, hedge account). */
  public List<String> unsettled() {
    List<String> out = new ArrayList<>();
    for (String name : Fidelity.VALUES.keySet()) {
      Finding f = findings.stream().filter(x -> x.unknown().equals(name)).findFirst().orElse(null);
      if (f == null || "not-observed".equals(f.variant()) || "not-applicable".equals(f.variant())) out.add(name);
    }
    return out;
  }

  /** The variant observed for each unknown the run settled: what `stopguard sim --variant` would play. */
  public Map<String, String> observedVariants() {
    Map<String, String> m = new LinkedHashMap<>();
    for (Finding f : findings) {
      if (Fidelity.VALUES.containsKey(f.unknown()) && f.variant() != null && Fidelity.VALUES.get(f.unknown()).contains(f.variant())) {
        m.put(f.unknown(), f.variant());
      }
    }
    return m;
  }

  /** The plain sentence the operator reads first. */
  public String verdict() {
    if (!leftovers.isEmpty()) return "CLEAN-UP INCOMPLETE: remove by hand: " + String.join("; ", leftovers);
    List<Finding> untested = untested();
    if (!untested.isEmpty()) {
      return "stopguard is NOT tested for: " + String.join("; ", untested.stream().map(f -> f.unknown() + " (" + f.observed() + ")")
          .toList()) + ". Report it with this JSON (--json).";
    }
    List<String> open = unsettled();
    if (aborted) return "aborted: " + (open.isEmpty() ? "every unknown was settled" : "not settled: " + String.join(", ", open));
    return "stopguard is correct for every observed behaviour" + (open.isEmpty() ? "" : " (not settled: " + String.join(", ", open) + ")");
  }
}
