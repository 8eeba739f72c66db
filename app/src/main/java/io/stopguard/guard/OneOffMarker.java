package io.stopguard.guard;

import io.stopguard.config.OwnerOnly;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * {@code HOME/run/oneoff.lock}: a one-off command that talks to Bitget beside a running watcher
 * holds a shared lock on it while it runs, and the watcher, probing it twice a second, gives the
 * command its share of the IP ({@link io.stopguard.bitget.IpBudget#yieldPerMinute}) for that time.
 * So the watcher's sweeps can use the whole IP budget when nothing else does, and one-off commands
 * still go first. The watcher never holds this file (it only probes), and a command holds it from
 * one open descriptor only, so the POSIX rule that closing any descriptor drops the process's lock
 * (see {@link WatchLock}) never bites.
 */
public final class OneOffMarker implements AutoCloseable {
  private final FileChannel channel;
  private final FileLock lock;

  private OneOffMarker(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  static Path file(Path home) {
    return home.resolve("run").resolve("oneoff.lock");
  }

  /** Marks a one-off command as running in {@code home}; never fails the command (null if it cannot). */
  public static OneOffMarker hold(Path home) {
    try {
      Path f = file(home);
      OwnerOnly.directories(f.getParent());
      FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
      try {
        return new OneOffMarker(ch, ch.lock(0, Long.MAX_VALUE, true));
      } catch (IOException | OverlappingFileLockException e) {
        ch.close();
        return null;
      }
    } catch (IOException e) {
      return null;
    }
  }

  /** Whether some process holds the marker now (a one-off command runs in {@code home}). */
  public static boolean anyHeld(Path home) {
    Path f = file(home);
    if (!Files.exists(f)) return false;
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
      FileLock probe = ch.tryLock(0, Long.MAX_VALUE, false);
      if (probe == null) return true;
      probe.release();
      return false;
    } catch (OverlappingFileLockException e) {
      return true; // held in this very JVM (tests run commands in-process)
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public void close() {
    try {
      lock.release();
      channel.close();
    } catch (IOException ignored) {
      // the process is ending the command anyway
    }
  }
}
