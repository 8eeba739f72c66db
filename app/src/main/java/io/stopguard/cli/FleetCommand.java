package io.stopguard.cli;

import io.stopguard.store.KeyRow;
import io.stopguard.store.Leases;
import io.stopguard.store.Store;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "fleet",
    header = "Show the watch instances sharing a PostgreSQL store, and which accounts nobody guards.",
    mixinStandardHelpOptions = true,
    description = {
        "Show the fleet: every `stopguard watch` instance on this PostgreSQL store (host, source IP,",
        "status address, started, last heartbeat, accounts it holds a lease on, how many of those it",
        "guards as its last heartbeat said, WebSockets, REST requests a minute in use of its per-IP",
        "share) and the accounts no live instance holds. Read from the database; the instances need",
        "not be reachable.",
        "",
        "Exit codes: 0 every account is owned and guarded, 1 some account is unowned, or held by an",
        "instance that does not guard it, 3 could not read.",
    })
final class FleetCommand implements Callable<Integer> {
  private final Cli cli;

  @Mixin
  HomeOptions home;

  @Option(names = "--json", description = "JSON output.")
  boolean json;

  @Option(names = "--lease-ttl", paramLabel = "SECONDS", defaultValue = "15",
      description = "An instance counts as alive while its heartbeat is younger than this (default: ${DEFAULT-VALUE}).")
  int ttl;

  @Option(names = "--ips", description = {"The egress addresses to bind the keys to (every live instance's --source-ip),",
      "and the accounts whose keys allow only one of them: those an address change would orphan."})
  boolean ips;

  FleetCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    try (Store store = home.openStore(cli)) {
      Leases leases = store.leases();
      if (ips) return ips(store, leases);
      List<Leases.Instance> instances = leases.instances(ttl);
      List<Leases.Lease> all = leases.leases();
      List<String> unowned = all.stream().filter(l -> !l.live()).map(Leases.Lease::userId).toList();
      // Held for a round or more but not guarded, as each live instance's last heartbeat said.
      int notGuarded = instances.stream().filter(Leases.Instance::alive).mapToInt(Leases.Instance::heldNotGuarded).sum();
      int died = leases.diedWithin(ttl, Duration.ofMinutes(10));
      Map<String, String> unservable = leases.unservable(ttl);
      if (json) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("database", store.where());
        m.put("instances", instances.stream().map(InstanceJson::of).toList());
        m.put("accounts", all.size());
        m.put("unowned", unowned);
        m.put("heldNotGuarded", notGuarded);
        m.put("diedLast10Minutes", died);
        m.put("noInstanceMayServe", unservable);
        Json.print(cli.out(), m);
      } else {
        cli.out().println("fleet on " + store.where() + ": " + instances.stream().filter(Leases.Instance::alive).count()
            + " live instance(s), " + all.size() + " account(s), " + unowned.size() + " unowned, " + notGuarded
            + " held but not guarded");
        cli.out().printf("%-36s %-16s %-15s %-21s %-20s %-9s %8s %8s %10s %13s  %s%n", "INSTANCE", "HOST", "SOURCE_IP", "LISTEN",
            "STARTED", "HEARTBEAT", "ACCOUNTS", "GUARDED", "WEBSOCKETS", "REQUESTS/MIN", "VERSION");
        Instant now = Instant.now();
        for (Leases.Instance i : instances) {
          long age = Duration.between(i.heartbeatAt(), now).toSeconds();
          cli.out().printf("%-36s %-16s %-15s %-21s %-20s %-9s %8d %8d %10d %13s  %s%n", i.id(), i.host(),
              i.sourceIp() == null ? "-" : i.sourceIp(), i.listen() == null ? "-" : i.listen(),
              i.startedAt().truncatedTo(ChronoUnit.SECONDS), i.alive() ? age + " s ago" : "DEAD", i.accounts(),
              i.guarded(), i.webSockets(), i.requestsPerMinute() + " of " + i.requestBudget(),
              i.version() == null ? "unknown" : i.version());
          if (i.alive() && i.heldNotGuarded() > 0) {
            cli.out().println("  " + i.id() + " holds " + i.heldNotGuarded() + " account(s) it does not guard: its /health"
                + " says why");
          }
          if (i.alive() && i.unable() != null) cli.out().println("  " + i.id() + " cannot guard any account: " + i.unable());
          if (i.alive() && i.undecryptable() > 0) {
            cli.out().println("  " + i.id() + " cannot decrypt the keys of " + i.undecryptable() + " account(s): is its master"
                + " key the fleet's?");
          }
        }
        if (died > 0) {
          cli.out().println(died + " instance(s) died without a clean stop in the last 10 min (DEAD above): each held its"
              + " accounts unguarded until their leases expired" + (died >= 3 ? "; a crash loop? read their hosts' journals" : ""));
        }
        unservable.forEach((u, ips) -> cli.out().println("unowned " + u + ": no live instance may use this key (bound to " + ips
            + "): start an instance with --source-ip " + ips.split(",")[0] + ", or bind the key to a live instance's address"));
        if (!unowned.isEmpty()) {
          cli.out().println("unowned: " + String.join(", ", unowned.subList(0, Math.min(50, unowned.size())))
              + (unowned.size() > 50 ? " and " + (unowned.size() - 50) + " more" : ""));
        }
      }
      return unowned.isEmpty() && notGuarded == 0 ? ExitCodes.OK : ExitCodes.UNPROTECTED;
    }
  }

  /** An instance in {@code --json}: times as ISO-8601 strings. */
  record InstanceJson(String id, String host, String sourceIp, String listen, String startedAt, String heartbeatAt,
      int accounts, int guarded, int undecryptable, int heldNotGuarded, String unable, int webSockets, int requestsPerMinute,
      int requestBudget, boolean alive, String version) {
    static InstanceJson of(Leases.Instance i) {
      return new InstanceJson(i.id(), i.host(), i.sourceIp(), i.listen(), i.startedAt().toString(), i.heartbeatAt().toString(),
          i.accounts(), i.guarded(), i.undecryptable(), i.heldNotGuarded(), i.unable(), i.webSockets(), i.requestsPerMinute(), i.requestBudget(), i.alive(),
          i.version());
    }
  }

  /** {@code --ips}: the addresses operators bind keys to, and what changing one would orphan. */
  private int ips(Store store, Leases leases) {
    List<String> addresses = leases.instances(ttl).stream().filter(Leases.Instance::alive).map(Leases.Instance::sourceIp)
        .filter(Objects::nonNull).distinct().sorted().toList();
    Map<String, List<String>> onlyThere = new TreeMap<>();
    List<String> unbound = new ArrayList<>();
    for (KeyRow k : store.keys().list()) {
      if (!k.active()) continue;
      if (k.info() == null || k.info().ips().isEmpty()) {
        unbound.add(k.userId());
        continue;
      }
      List<String> allowed = k.info().ips().stream().filter(addresses::contains).toList();
      if (allowed.size() == 1) onlyThere.computeIfAbsent(allowed.get(0), a -> new ArrayList<>()).add(k.userId());
    }
    if (json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("bindTo", addresses);
      m.put("orphanedIfChanged", onlyThere);
      m.put("unboundOrNotAsked", unbound.size());
      Json.print(cli.out(), m);
      return ExitCodes.OK;
    }
    cli.out().println(addresses.isEmpty() ? "no live instance reports a --source-ip: keys cannot be bound to the fleet's addresses"
        : "bind the keys to: " + String.join(", ", addresses));
    onlyThere.forEach((a, users) -> cli.out().println("changing " + a + " would orphan " + users.size() + " account(s) whose keys"
        + " allow no other live instance: " + String.join(", ", users.subList(0, Math.min(20, users.size())))
        + (users.size() > 20 ? " …" : "")));
    if (!unbound.isEmpty()) {
      cli.out().println(unbound.size() + " key(s) unbound or never asked (keys verify asks Bitget): usable from any address");
    }
    return ExitCodes.OK;
  }
}
