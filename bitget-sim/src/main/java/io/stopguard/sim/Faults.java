package io.stopguard.sim;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Faults injected per endpoint (a REST path, or {@code *} for all), switchable at run time: added
 * latency with jitter, an error rate (HTTP 500), bursts of 429, malformed or truncated answers, and
 * answers held after the request was executed.
 */
public final class Faults {
  /** One endpoint's faults. Rates are 0..1. */
  public record Spec(long latencyMs, long jitterMs, double errorRate, int tooManyRequests, double malformedRate,
      double truncatedRate, long lateAnswerMs) {
    public static final Spec NONE = new Spec(0, 0, 0, 0, 0, 0, 0);

    /** Without a late answer. */
    public Spec(long latencyMs, long jitterMs, double errorRate, int tooManyRequests, double malformedRate,
        double truncatedRate) {
      this(latencyMs, jitterMs, errorRate, tooManyRequests, malformedRate, truncatedRate, 0);
    }

    /**
     * The request is executed at once but its answer is held this long: what a client meets when the
     * exchange acted and the answer was lost to its timeout (or the client died meanwhile).
     */
    public static Spec lateAnswer(long ms) {
      return new Spec(0, 0, 0, 0, 0, 0, ms);
    }

    public Spec {
      if (latencyMs < 0 || jitterMs < 0 || tooManyRequests < 0 || lateAnswerMs < 0) {
        throw new IllegalArgumentException("faults must be >= 0");
      }
      for (double r : new double[] {errorRate, malformedRate, truncatedRate}) {
        if (r < 0 || r > 1) throw new IllegalArgumentException("fault rates must be within 0..1");
      }
    }
  }

  /** What to do with one request. */
  public enum Outcome { PASS, ERROR, TOO_MANY, MALFORMED, TRUNCATED }

  private final Map<String, Spec> specs = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> bursts = new ConcurrentHashMap<>();

  public void set(String endpoint, Spec spec) {
    specs.put(endpoint, spec);
    bursts.put(endpoint, new AtomicInteger(spec.tooManyRequests()));
  }

  public void clear() {
    specs.clear();
    bursts.clear();
  }

  public Map<String, Spec> all() {
    return Map.copyOf(specs);
  }

  private Spec spec(String path) {
    Spec s = specs.get(path);
    return s != null ? s : specs.getOrDefault("*", Spec.NONE);
  }

  /** Latency to add before answering this request, in ms. */
  long latencyMs(String path) {
    Spec s = spec(path);
    if (s.latencyMs() == 0 && s.jitterMs() == 0) return 0;
    return s.latencyMs() + (s.jitterMs() == 0 ? 0 : ThreadLocalRandom.current().nextLong(s.jitterMs() + 1));
  }

  /** How long to hold the answer after the request was executed, in ms. */
  long lateAnswerMs(String path) {
    return spec(path).lateAnswerMs();
  }

  Outcome decide(String path) {
    Spec s = spec(path);
    if (s == Spec.NONE) return Outcome.PASS;
    AtomicInteger burst = bursts.get(specs.containsKey(path) ? path : "*");
    if (burst != null && burst.getAndUpdate(n -> Math.max(0, n - 1)) > 0) return Outcome.TOO_MANY;
    ThreadLocalRandom r = ThreadLocalRandom.current();
    if (r.nextDouble() < s.errorRate()) return Outcome.ERROR;
    if (r.nextDouble() < s.malformedRate()) return Outcome.MALFORMED;
    if (r.nextDouble() < s.truncatedRate()) return Outcome.TRUNCATED;
    return Outcome.PASS;
  }
}
