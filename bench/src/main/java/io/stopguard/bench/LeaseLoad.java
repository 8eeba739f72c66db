package io.stopguard.bench;

import io.stopguard.store.Database;
import io.stopguard.store.Leases;
import io.stopguard.store.SecretBox;
import io.stopguard.store.Store;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the fleet's lease renewals cost PostgreSQL (bench/leases): A accounts held by K instances,
 * each renewing its leases as a round does ({@link Leases#renew}: one UPDATE of its
 * {@code fleet_instances} row, then a read of the accounts it holds; before schema 11 it was one
 * UPDATE of every account row it held), on a real PostgreSQL. Per (A, K): the time of one instance's renewal, the rows and WAL
 * written by one round of the whole fleet, and what that is per second with the default TTL
 * (a round every TTL/5 = 3 s). {@code row_updates/s}: rows the whole fleet's renewals write a
 * second (one per instance per round).
 *
 * <p>{@code bench/leases [--accounts 1000,10000,100000] [--instances 1,3,10] [--rounds 20]}
 */
public final class LeaseLoad {
  private LeaseLoad() {}

  public static void main(String[] args) throws Exception {
    List<Integer> accounts = List.of(1_000, 10_000, 100_000);
    List<Integer> instances = List.of(1, 3, 10);
    int rounds = 20;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--accounts" -> accounts = Arrays.stream(args[++i].split(",")).map(Integer::parseInt).toList();
        case "--instances" -> instances = Arrays.stream(args[++i].split(",")).map(Integer::parseInt).toList();
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        default -> {
          System.err.println("bench/leases: unknown option " + args[i]);
          System.exit(2);
        }
      }
    }
    int ttl = 15;
    double roundSeconds = ttl / 5.0;
    System.out.printf(Locale.ROOT, "%9s %9s %14s %14s %16s %14s %16s%n", "accounts", "instances", "renew_ms_p50",
        "renew_ms_max", "rows_written/round", "wal_B/round", "row_updates/s");
    try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start()) {
      String url = "postgresql://postgres@127.0.0.1:" + pg.getPort() + "/postgres";
      try (Store store = Store.open(Database.parse(url, Map.of()), SecretBox.fromEnvOrFile(
          Map.of(SecretBox.ENV, Base64.getEncoder().encodeToString(new byte[32])), Path.of("unused")))) {
        for (int a : accounts) {
          for (int k : instances) {
            try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
              st.execute("TRUNCATE account_leases");
              st.execute("DELETE FROM fleet_instances");
              st.execute("INSERT INTO fleet_instances (instance_id, host, started_at, heartbeat_at, lease_expires_at)"
                  + " SELECT 'i' || g, 'h', now(), now(), now() + interval '1 hour' FROM generate_series(0, " + (k - 1) + ") g");
              st.execute("INSERT INTO account_leases (user_id, owner, epoch, expires_at) SELECT 'u' || g, 'i' || (g % " + k
                  + "), 1, now() + interval '1 hour' FROM generate_series(1, " + a + ") g");
              st.execute("VACUUM ANALYZE account_leases");
            }
            Leases leases = store.leases();
            List<Long> ms = new ArrayList<>();
            long walBefore = wal(pg);
            for (int r = 0; r < rounds; r++) {
              for (int i = 0; i < k; i++) {
                long t0 = System.nanoTime();
                leases.renew("i" + i, 3600);
                if (i == 0) ms.add((System.nanoTime() - t0) / 1_000_000);
              }
            }
            long walPerRound = (wal(pg) - walBefore) / rounds;
            ms.sort(null);
            System.out.printf(Locale.ROOT, "%9d %9d %14d %14d %16d %14d %16.1f%n", a, k, ms.get(ms.size() / 2), ms.getLast(), k,
                walPerRound, k / roundSeconds);
          }
        }
      }
    }
  }

  private static long wal(EmbeddedPostgres pg) throws Exception {
    try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
