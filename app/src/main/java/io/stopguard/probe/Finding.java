package io.stopguard.probe;

/**
 * What the probe saw for one unknown of bitget-sim/FIDELITY.md (or one documented behaviour it
 * re-checks): the observation in words, and the simulator variant it is — {@code null} when no
 * variant models it (stopguard is not tested for it), {@code "as-documented"} for a re-checked
 * settled behaviour, {@code "not-observed"} / {@code "not-applicable"} when the run could not tell.
 */
public record Finding(String unknown, String observed, String variant, String note) {
  public boolean modelled() {
    return variant != null;
  }
}
