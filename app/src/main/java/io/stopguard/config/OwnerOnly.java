package io.stopguard.config;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The home's directories (the home itself, logs/, run/, docs/) are the owner's alone whatever the
 * umask: they are made with mode 0700, which a umask can only narrow, and one found open to the
 * group or others is closed with a WARN. What they hold (logs naming accounts and errors, lock
 * files, reports) is then out of reach of other users even where a file inside was created 0666.
 * metrics/ is the exception: node_exporter's textfile collector, another user, reads it.
 */
public final class OwnerOnly {
  private static final Logger log = LoggerFactory.getLogger(OwnerOnly.class);
  private static final Set<PosixFilePermission> OPEN = EnumSet.complementOf(EnumSet.of(PosixFilePermission.OWNER_READ,
      PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE));

  private OwnerOnly() {}

  /** Creates {@code dir} and any missing parent with mode 0700; closes {@code dir} itself if it is open to others. */
  public static Path directories(Path dir) throws IOException {
    Path abs = dir.toAbsolutePath();
    try {
      Files.createDirectories(abs, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (UnsupportedOperationException e) {
      return Files.createDirectories(abs); // not a POSIX file system: nothing to set
    } catch (FileAlreadyExistsException e) {
      throw new IOException(abs + " exists and is not a directory", e);
    }
    close(abs);
    return abs;
  }

  private static void close(Path dir) {
    try {
      if (Files.isSymbolicLink(dir)) return; // a link the operator made on purpose: its target is theirs to set
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
      Set<PosixFilePermission> open = EnumSet.copyOf(perms);
      open.retainAll(OPEN);
      if (open.isEmpty()) return;
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
      log.warn("{} was open to other users ({}); set to rwx------ (it holds logs, locks or reports of this stopguard)", dir,
          PosixFilePermissions.toString(perms));
    } catch (UnsupportedOperationException | IOException e) {
      log.warn("cannot check the permissions of {}: {}", dir, e.getMessage());
    }
  }
}
