package io.stopguard.guard;

import io.stopguard.config.OwnerOnly;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;

/**
 * An OS file lock, {@code HOME/run/watch-I-of-N.lock}, held while a watcher runs. It answers two
 * questions without any daemon: is this shard already watched (a second watcher would double the
 * IP's request rate), and is any watcher running (then one-off commands take a small share of
 * Bitget's per-IP budget instead of all of it). The OS releases it when the process dies.
 *
 * <p>Java's file locks are POSIX (fcntl) record locks on Linux: closing <em>any</em> descriptor of
 * the file in the holding process drops the lock, silently. So a process never opens a lock file it
 * holds: {@link #anyHeld} answers from {@link #HELD} for this JVM's own locks, and both methods run
 * under one monitor so a probe's open/close can never overlap a lock being taken.
 */
public final class WatchLock implements AutoCloseable {
  /** Lock files held by this JVM (absolute, normalised paths). Guarded by the class monitor. */
  private static final Set<Path> HELD = new HashSet<>();

  private final Path file;
  private final FileChannel channel;
  private final FileLock lock;

  private WatchLock(Path file, FileChannel channel, FileLock lock) {
    this.file = file;
    this.channel = channel;
    this.lock = lock;
  }

  private static Path key(Path file) {
    return file.toAbsolutePath().normalize();
  }

  /** The lock for shard {@code i/n}, or null if another process (or this one) already holds it. */
  public static WatchLock tryAcquire(Path home, int shard, int shards) {
    return tryAcquire(home, shard, shards, null);
  }

  /**
   * The lock for shard {@code i/n} leaving from {@code egress} (null: the host's default address),
   * or null if another process (or this one) already holds it. Fleet instances in one home with
   * different egress addresses each take their own: Bitget's limits are per address.
   */
  public static synchronized WatchLock tryAcquire(Path home, int shard, int shards, String egress) {
    return acquire(home.resolve("run").resolve("watch-" + shard + "-of-" + shards
        + (egress == null ? "" : "-from-" + egress.replace(':', '_')) + ".lock"), 5);
  }

  /**
   * The home's lock {@code run/NAME.lock} (not a watcher's: one-off commands do not look at it), or
   * null if another process (or this one) holds it. Static shards sharing a home take
   * "alert-delivery": one of them delivers the shared outbox.
   */
  public static synchronized WatchLock tryAcquireNamed(Path home, String name) {
    return acquire(home.resolve("run").resolve(name + ".lock"), 1);
  }

  private static WatchLock acquire(Path file, int attempts) {
    if (HELD.contains(key(file))) return null; // this JVM holds it; opening it again would drop it
    try {
      OwnerOnly.directories(file.getParent());
      FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      for (int attempt = 0; attempt < attempts; attempt++) { // a one-off command may be probing it this instant
        FileLock l = tryLock(ch, false);
        if (l != null) {
          HELD.add(key(file));
          return new WatchLock(file, ch, l);
        }
        if (attempt + 1 < attempts) WatchLock.class.wait(100); // releases the monitor: a probe in this JVM may finish meanwhile
      }
      ch.close();
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + file + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Whether any watcher holds a lock in this home. */
  public static synchronized boolean anyHeld(Path home) {
    Path run = home.resolve("run");
    if (!Files.isDirectory(run)) return false;
    for (Path held : HELD) if (held.getParent().equals(key(run))) return true;
    try (DirectoryStream<Path> files = Files.newDirectoryStream(run, "watch-*.lock")) {
      for (Path f : files) {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
          FileLock probe = tryLock(ch, true); // shared: only an exclusive holder makes it fail
          if (probe == null) return true;
          probe.release();
        }
      }
      return false;
    } catch (IOException e) {
      return false; // cannot tell: one-off commands keep the full budget
    }
  }

  private static FileLock tryLock(FileChannel ch, boolean shared) throws IOException {
    try {
      return ch.tryLock(0, Long.MAX_VALUE, shared);
    } catch (OverlappingFileLockException e) {
      return null; // held within this JVM
    }
  }

  @Override
  public void close() {
    synchronized (WatchLock.class) {
      if (!HELD.remove(key(file))) return; // closed already
      try {
        lock.release();
        channel.close();
      } catch (IOException e) {
        // the OS releases it with the process anyway
      }
    }
  }
}
