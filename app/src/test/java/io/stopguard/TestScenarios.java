package io.stopguard;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Named simulator scenarios shared by tests: {@code src/test/resources/scenarios/NAME.yaml}. */
public final class TestScenarios {
  private TestScenarios() {}

  public static String text(String name) {
    try (InputStream in = TestScenarios.class.getResourceAsStream("/scenarios/" + name + ".yaml")) {
      if (in == null) throw new IllegalArgumentException("no test scenario " + name + " under src/test/resources/scenarios");
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
