package io.stopguard.status;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsExchange;
import java.io.IOException;
import java.net.HttpCookie;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The token that guards the status server once it listens beyond 127.0.0.1: every page, the event
 * stream, {@code /metrics} and {@code /health} need {@code Authorization: Bearer TOKEN} or the
 * session cookie the login form sets (HttpOnly, SameSite=Strict, 12 hours; its value is an expiry
 * and a MAC of it under the token, never the token itself; {@code /logout} drops it). Comparisons
 * are constant-time over equal-length digests. Open without it: {@code /login}, {@code /logout}
 * and the static {@code /assets/}.
 */
public final class Auth extends Filter {
  static final String COOKIE = "stopguard_session";
  /** How long a login lasts. */
  static final Duration SESSION = Duration.ofHours(12);
  private final byte[] tokenDigest;
  private final String token;

  private Auth(String token) {
    this.tokenDigest = sha256(token);
    this.token = token;
  }

  /** A session cookie's value that expires at {@code expiresEpochSecond}: the expiry and a MAC of it under the token. */
  String sessionValue(long expiresEpochSecond) {
    return expiresEpochSecond + "." + hmac(token, "stopguard-status-session|" + expiresEpochSecond);
  }

  private boolean sessionValid(String value) {
    int dot = value.indexOf('.');
    if (dot <= 0) return false;
    long exp;
    try {
      exp = Long.parseLong(value.substring(0, dot));
    } catch (NumberFormatException e) {
      return false;
    }
    return MessageDigest.isEqual(sha256(value), sha256(sessionValue(exp))) && exp > Instant.now().getEpochSecond();
  }

  /** Reads the token file (first line, trimmed); at least 16 characters. Errors name the file, never its content. */
  public static Auth fromFile(Path file) {
    String token;
    try {
      token = Files.readString(file).lines().findFirst().orElse("").trim();
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("auth token file not found: " + file);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the auth token file " + file + ": " + e.getMessage());
    }
    if (token.length() < 16) throw new IllegalArgumentException("the auth token in " + file + " is shorter than 16 characters");
    return new Auth(token);
  }

  /** Whether this exchange carries the token (Bearer) or a session cookie made from it. */
  boolean allows(HttpExchange ex) {
    String h = ex.getRequestHeaders().getFirst("Authorization");
    if (h != null && h.regionMatches(true, 0, "Bearer ", 0, 7) && tokenMatches(h.substring(7).trim())) return true;
    List<String> cookies = ex.getRequestHeaders().get("Cookie");
    if (cookies == null) return false;
    for (String line : cookies) {
      for (String part : line.split(";")) {
        int eq = part.indexOf('=');
        if (eq > 0 && part.substring(0, eq).trim().equals(COOKIE) && sessionValid(part.substring(eq + 1).trim())) {
          return true;
        }
      }
    }
    return false;
  }

  boolean tokenMatches(String candidate) {
    return MessageDigest.isEqual(sha256(candidate), tokenDigest);
  }

  /** The cookie the login form sets after a correct token: good for {@link #SESSION}. */
  String sessionCookie(HttpExchange ex) {
    HttpCookie c = new HttpCookie(COOKIE, sessionValue(Instant.now().plus(SESSION).getEpochSecond()));
    return COOKIE + "=" + c.getValue() + "; Path=/; Max-Age=" + SESSION.toSeconds() + "; HttpOnly; SameSite=Strict" + secure(ex);
  }

  /** The cookie {@code /logout} sets: none. */
  static String noSessionCookie(HttpExchange ex) {
    return COOKIE + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" + secure(ex);
  }

  /**
   * {@code Secure} whenever the browser reached us over HTTPS: served here with TLS, or through a
   * reverse proxy that terminates it and says so ({@code X-Forwarded-Proto: https}; trusting the
   * header can only add the flag, never remove it).
   */
  private static String secure(HttpExchange ex) {
    boolean https = ex instanceof HttpsExchange
        || "https".equalsIgnoreCase(String.valueOf(ex.getRequestHeaders().getFirst("X-Forwarded-Proto")).trim());
    return https ? "; Secure" : "";
  }

  @Override
  public void doFilter(HttpExchange ex, Chain chain) throws IOException {
    String path = ex.getRequestURI().getPath();
    if (path.equals("/login") || path.equals("/logout") || path.startsWith("/assets/") || allows(ex)) {
      chain.doFilter(ex);
      return;
    }
    StatusPage.securityHeaders(ex);
    String accept = ex.getRequestHeaders().getFirst("Accept");
    if (accept != null && accept.contains("text/html") && path.equals("/")) {
      ex.getResponseHeaders().add("Location", "/login");
      ex.sendResponseHeaders(303, -1);
    } else {
      byte[] body = "unauthorized: send Authorization: Bearer <token> (the token in --auth-token-file)\n"
          .getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"stopguard\"");
      ex.getResponseHeaders().add("Content-Type", "text/plain; charset=utf-8");
      ex.sendResponseHeaders(401, body.length);
      ex.getResponseBody().write(body);
    }
    ex.close();
  }

  @Override
  public String description() {
    return "stopguard status auth";
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String hmac(String key, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(data.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
