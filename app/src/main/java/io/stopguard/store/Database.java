package io.stopguard.store;

import org.postgresql.jdbcurlresolver.PgPassParser;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Where the store lives: the SQLite file (the default, one host) or a PostgreSQL database shared by
 * several hosts. Parsed from {@code --db} / {@code STOPGUARD_DB}:
 * <ul>
 *   <li>a path: SQLite;</li>
 *   <li>{@code postgresql://user[:password]@host[:port]/dbname[?sslmode=...]} (libpq's form; also
 *       {@code postgres://}), or {@code jdbc:postgresql://host[:port]/dbname?user=...}.</li>
 * </ul>
 * A PostgreSQL password not in the URL comes from {@code PGPASSWORD}, else from the passfile
 * (libpq's format, read by pgjdbc: {@code PGPASSFILE}, else {@code ~/.pgpass}). {@link #toString()} never shows it.
 */
public record Database(String vendor, Path file, String jdbcUrl, String user, String password, String display) {
  public static final String SQLITE = "sqlite";
  public static final String POSTGRESQL = "postgresql";

  public static Database sqlite(Path file) {
    return new Database(SQLITE, file, null, null, null, file.toString());
  }

  public boolean isPostgres() {
    return POSTGRESQL.equals(vendor);
  }

  @Override
  public String toString() {
    return display;
  }

  /** True if {@code spec} names a PostgreSQL database rather than a SQLite file. */
  public static boolean isPostgresSpec(String spec) {
    return spec.startsWith("postgresql://") || spec.startsWith("postgres://") || spec.startsWith("jdbc:postgresql:");
  }

  /**
   * @param env the environment ({@code PGPASSWORD}, {@code PGUSER}); the passfile is the process's own
   * @throws IllegalArgumentException with a one-line reason (never the password) for a bad URL
   */
  public static Database parse(String spec, Map<String, String> env) {
    if (!isPostgresSpec(spec)) {
      // A mistyped URL ("postgresq://…", "postgresql//…") must not become an empty SQLite file named
      // after it, with "no flags yet" and a watcher of 0 accounts.
      String lower = spec.toLowerCase(Locale.ROOT);
      if (spec.contains("://") || lower.startsWith("postgres") || lower.startsWith("jdbc:")) {
        throw new IllegalArgumentException("neither a PostgreSQL URL (postgresql://user@host:port/dbname) nor a SQLite file"
            + " path: " + redact(spec).replaceAll("^([^/]*//)[^/]*@", "$1***@")); // a typo may hide a password anywhere
      }
      return sqlite(Path.of(spec));
    }
    String url = spec.startsWith("jdbc:") ? spec.substring("jdbc:".length()) : spec;
    URI u;
    try {
      u = new URI(url.replaceFirst("^postgres(ql)?://", "postgresql://"));
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("not a PostgreSQL URL (postgresql://user@host:port/dbname): " + redact(spec));
    }
    String host = u.getHost();
    String db = u.getPath() == null ? "" : u.getPath().replaceFirst("^/", "");
    if (host == null || host.isBlank() || db.isBlank() || db.contains("/")) {
      throw new IllegalArgumentException("not a PostgreSQL URL (postgresql://user@host:port/dbname): " + redact(spec));
    }
    int port = u.getPort() < 0 ? 5432 : u.getPort();
    Map<String, String> params = query(u.getRawQuery());
    String user = null;
    String password = null;
    if (u.getRawUserInfo() != null) {
      String[] ui = u.getRawUserInfo().split(":", 2);
      user = decode(ui[0]);
      if (ui.length > 1) password = decode(ui[1]);
    }
    if (params.containsKey("user")) user = params.remove("user");
    if (params.containsKey("password")) password = params.remove("password");
    if (user == null || user.isBlank()) user = env.get("PGUSER");
    if (user == null || user.isBlank()) {
      throw new IllegalArgumentException("no PostgreSQL user in " + redact(spec) + " (postgresql://user@host:port/dbname, or PGUSER)");
    }
    if (password == null) password = env.get("PGPASSWORD");
    // libpq's passfile, read by pgjdbc's own reader: -Dorg.postgresql.pgpassfile, else $PGPASSFILE, else ~/.pgpass
    if (password == null) password = PgPassParser.getPassword(host, Integer.toString(port), db, user);
    StringBuilder jdbc = new StringBuilder("jdbc:postgresql://").append(host).append(':').append(port).append('/').append(db);
    String sep = "?";
    for (Map.Entry<String, String> p : params.entrySet()) {
      jdbc.append(sep).append(p.getKey()).append('=').append(URLEncoder.encode(p.getValue(), StandardCharsets.UTF_8));
      sep = "&";
    }
    // as given, sslmode and the rest included (an SSL problem is read against it), never the password
    StringBuilder display = new StringBuilder("postgresql://" + user + "@" + host + ":" + port + "/" + db);
    sep = "?";
    for (Map.Entry<String, String> p : params.entrySet()) {
      display.append(sep).append(p.getKey()).append('=').append(p.getValue());
      sep = "&";
    }
    return new Database(POSTGRESQL, null, jdbc.toString(), user, password, display.toString());
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    if (raw == null || raw.isBlank()) return out;
    for (String kv : raw.split("&")) {
      if (kv.isEmpty()) continue;
      String[] p = kv.split("=", 2);
      out.put(decode(p[0]), p.length > 1 ? decode(p[1]) : "");
    }
    return out;
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  /** The URL with any password replaced, for messages. */
  static String redact(String spec) {
    // the whole userinfo, up to the last '@' before the path: a password may itself hold an '@'
    return spec.replaceAll("(://)[^/]*@", "$1***@").replaceAll("(?i)(password=)[^&]*", "$1***");
  }

}
