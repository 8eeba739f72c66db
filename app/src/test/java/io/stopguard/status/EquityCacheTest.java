package io.stopguard.status;

import io.stopguard.guard.Timebase;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.stopguard.bitget.BitgetClient;
import io.stopguard.bitget.Credentials;
import io.stopguard.sim.Scenario;
import io.stopguard.sim.SimServer;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The page's equity look-ups never compete with the guard: only shown accounts, one request a second. */
class EquityCacheTest {
  @Test
  void onlyTheAccountsAPageShowsAreAskedAboutOneASecond() {
    StringBuilder yaml = new StringBuilder("accounts:\n");
    List<String> users = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      users.add("80" + i);
      yaml.append("  - {uid: \"80").append(i).append("\", apiKey: k").append(i).append(", secretKey: s, passphrase: p}\n");
    }
    try (SimServer sim = SimServer.start(Scenario.parse(yaml.toString()), 0);
        EquityCache cache = new EquityCache(u -> Optional.of(BitgetClient.builder().baseUrl(sim.baseUrl())
            .credentials(new Credentials("k" + u.substring(2), "s", "p")).build()), Timebase.system())) {
      assertThat(cache.apply("800")).isEmpty();
      assertThat(sim.restRequests()).as("looking never asks Bitget").isZero();
      cache.want(users);
      cache.want(users); // asked again while queued: still once each
      await().atMost(Duration.ofSeconds(10)).until(() -> users.stream().allMatch(u -> cache.apply(u).isPresent()));
      assertThat(cache.apply("803")).contains(new BigDecimal("10000"));
      long requests = sim.restRequests();
      assertThat(requests).isEqualTo(5);
      cache.want(users); // fresh for a minute: nothing more
      await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3)).until(() -> sim.restRequests() == requests);
    }
  }
}
