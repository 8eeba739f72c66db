package io.stopguard.sim;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on 127.0.0.1 for network faults between a process and a server (the guard and
 * PostgreSQL, the guard and the simulator). {@link #cut()} stops forwarding in both directions
 * without closing anything: a partition, or a host gone without a FIN. Bytes are held as a network
 * would retransmit them, and so is a side's close: a process killed behind a cut proxy leaves its
 * server-side session open, as a vanished host does, until {@link #heal()} or {@link #close()}.
 * {@link #delay(long)} holds every chunk for a while (a slow network).
 */
public final class TcpProxy implements AutoCloseable {
  private final ServerSocket server;
  private final String host;
  private final int port;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private volatile boolean forwarding = true;
  private volatile long delayMs;

  public TcpProxy(String host, int port) throws IOException {
    this.host = host;
    this.port = port;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofPlatform().daemon().name("proxy-accept").start(this::accept);
  }

  public int port() {
    return server.getLocalPort();
  }

  /** Stops forwarding, closes included, until {@link #heal()}. */
  public void cut() {
    forwarding = false;
  }

  public void heal() {
    forwarding = true;
  }

  /** Holds each chunk {@code ms} before forwarding it (0: none). */
  public void delay(long ms) {
    delayMs = ms;
  }

  private void accept() {
    while (!server.isClosed()) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      try {
        Socket upstream = new Socket(host, port);
        sockets.add(client);
        sockets.add(upstream);
        Thread.ofPlatform().daemon().start(() -> pump(client, upstream));
        Thread.ofPlatform().daemon().start(() -> pump(upstream, client));
      } catch (IOException e) {
        closeQuietly(client); // the server is down: refused, as it would be without the proxy; the next may get through
      }
    }
  }

  private void pump(Socket from, Socket to) {
    byte[] buf = new byte[16 * 1024];
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      int n;
      while ((n = in.read(buf)) >= 0) {
        holdWhileCut();
        long d = delayMs;
        if (d > 0) Thread.sleep(d);
        out.write(buf, 0, n);
        out.flush();
      }
      holdWhileCut(); // a close is news the other side gets only through a working network
    } catch (IOException | InterruptedException e) {
      // one side closed
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private void holdWhileCut() throws InterruptedException {
    while (!forwarding && !server.isClosed()) Thread.sleep(20);
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    sockets.forEach(TcpProxy::closeQuietly);
  }
}
