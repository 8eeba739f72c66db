package io.stopguard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A real {@code stopguard watch} process under chaos: started, signalled, killed, and asked for /health. */
final class GuardProcess {
  private static final Pattern LISTEN = Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)/metrics");
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  final Process process;
  final Path log;
  final int port;
  /** Set before a deliberate kill, so the checker does not report the death as the guard's own. */
  volatile boolean killedOnPurpose;

  private GuardProcess(Process process, Path log, int port) {
    this.process = process;
    this.log = log;
    this.port = port;
  }

  /** Starts {@code command} (its output to {@code log}) and waits, up to 30 s, for it to listen. */
  static GuardProcess start(ProcessBuilder command, Path log, Consumer<String> note) throws Exception {
    Process p = command.start();
    long deadline = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < deadline) {
      Matcher m = LISTEN.matcher(Files.exists(log) ? Files.readString(log) : "");
      if (m.find()) {
        note.accept("watch started (" + log.getFileName() + ", port " + m.group(1) + ")");
        return new GuardProcess(p, log, Integer.parseInt(m.group(1)));
      }
      if (!p.isAlive()) throw new IllegalStateException("watch exited " + p.exitValue() + ": " + Files.readString(log));
      Thread.sleep(50);
    }
    p.destroyForcibly();
    throw new IllegalStateException("watch did not start within 30 s: " + Files.readString(log));
  }

  void kill() throws InterruptedException {
    killedOnPurpose = true;
    // a wrapper (faketime) runs the JVM as its child: the whole tree goes
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  void signal(String sig) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("kill", "-" + sig, Long.toString(process.pid())));
    process.descendants().forEach(d -> cmd.add(Long.toString(d.pid())));
    new ProcessBuilder(cmd).inheritIO().start().waitFor();
  }

  /** Its /health, or null when it does not answer within 2 s. */
  JsonNode health() {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
          .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
      return JSON.readTree(r.body());
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Whether /health says {@code ok} within {@code ms}. */
  boolean awaitHealth(long ms, Predicate<JsonNode> ok) throws InterruptedException {
    long deadline = System.currentTimeMillis() + ms;
    while (System.currentTimeMillis() < deadline) {
      JsonNode h = health();
      if (h != null && ok.test(h)) return true;
      Thread.sleep(200);
    }
    return false;
  }

  /** The users /health reports unguarded. */
  static List<String> unguarded(JsonNode h) {
    List<String> users = new ArrayList<>();
    for (JsonNode u : h.path("unguardedAccounts")) users.add(u.path("userId").asText());
    return users;
  }
}
