package io.stopguard.bitget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every exchange call is bounded as a whole: a real socket on 127.0.0.1 that sends its headers at
 * once and then trickles the body, or sends far more than any Bitget answer.
 */
class TransportBoundsTest {
  ServerSocket server;
  Thread serving;

  /** Serves each connection with {@code body} after headers announcing {@code length} bytes. */
  void serve(long length, Body body) throws IOException {
    server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
    serving = Thread.ofPlatform().daemon().start(() -> {
      while (!server.isClosed()) {
        try (Socket s = server.accept()) {
          s.getInputStream().read(new byte[8192]); // the request; its content does not matter
          OutputStream out = s.getOutputStream();
          out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + length + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
          out.flush();
          body.write(out);
        } catch (IOException | InterruptedException e) {
          // the client gave up: expected
        }
      }
    });
  }

  interface Body {
    void write(OutputStream out) throws IOException, InterruptedException;
  }

  @AfterEach
  void stop() throws IOException {
    if (server != null) server.close();
  }

  BitgetClient client(Duration timeout) {
    return BitgetClient.builder().baseUrl("http://127.0.0.1:" + server.getLocalPort()).maxRetries(0).timeout(timeout).build();
  }

  @Test
  void aBodyTrickledByteByByteIsCutOffAtTheTimeout() throws Exception {
    serve(1000, out -> {
      for (int i = 0; i < 1000; i++) {
        out.write(' ');
        out.flush();
        Thread.sleep(500);
      }
    });
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> client(Duration.ofSeconds(2)).serverTime())
        .isInstanceOfSatisfying(BitgetTransportException.class, e -> {
          assertThat(e.isTimeout()).isTrue();
          assertThat(e.getMessage()).contains("no complete answer within 2000 ms");
        });
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(4));
  }

  @Test
  void anEndlessBodyIsRefusedAtTheCapWithoutGrowingTheHeap() throws Exception {
    long gib = 1L << 30;
    serve(gib, out -> {
      byte[] chunk = new byte[64 * 1024];
      for (long sent = 0; sent < gib; sent += chunk.length) out.write(chunk);
    });
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> client(Duration.ofSeconds(20)).serverTime())
        .isInstanceOfSatisfying(BitgetTransportException.class, e -> assertThat(e.getMessage()).contains("answer larger than 4 MiB"));
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
  }
}
