package io.stopguard.incident;

import io.stopguard.alert.AlertTexts;
import io.stopguard.config.OwnerOnly;
import io.stopguard.store.Incident;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** {@code docs/incident_log.md}: one Markdown entry per ended incident, newest last. */
public final class IncidentLog {
  private static final DateTimeFormatter HEAD = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);
  private final Path file;
  private final AlertTexts english = new AlertTexts("en");

  public IncidentLog(Path file) {
    this.file = file;
  }

  public Path file() {
    return file;
  }

  public void append(Incident i) {
    StringBuilder sb = new StringBuilder();
    sb.append("## ").append(HEAD.format(i.endedAt())).append(" — ").append(i.userId()).append(' ').append(i.symbol())
        .append(' ').append(i.holdSide()).append(" — ").append(i.state()).append("\n\n");
    sb.append("- Detected: ").append(i.detectedAt()).append(" (").append(i.verdict())
        .append(i.detail() == null || i.detail().isBlank() ? "" : ": " + i.detail()).append(")\n");
    sb.append("- Alerted: ").append(i.alertedAt() == null ? "no alert sent (Telegram not configured)" : i.alertedAt().toString())
        .append('\n');
    if (i.restoringAt() != null) sb.append("- Restore started: ").append(i.restoringAt()).append(" (attempts: ").append(i.attempts()).append(")\n");
    sb.append("- Ended: ").append(i.endedAt()).append(" — ").append(i.resolution() == null ? i.state() : i.resolution());
    if (i.restoredBy() != null) sb.append(", by ").append(i.restoredBy());
    sb.append('\n');
    sb.append("- Time to restore: ").append(english.duration(i.bareFor())).append('\n');
    sb.append("- Errors: ").append(i.lastError() == null ? "none" : i.lastError()).append("\n\n");
    try {
      OwnerOnly.directories(file.toAbsolutePath().getParent());
      if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
        Files.writeString(file, "# Incident log: Bitget stop-loss\n\nWritten by stopguard, one entry per ended incident,"
            + " newest last.\n\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW);
      }
      // never through a symlink someone planted where the log goes (O_NOFOLLOW)
      Files.writeString(file, sb.toString(), StandardCharsets.UTF_8, StandardOpenOption.APPEND, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append to " + file, e);
    }
  }
}
