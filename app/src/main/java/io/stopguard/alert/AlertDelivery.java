package io.stopguard.alert;

import io.stopguard.store.Outbox;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

/**
 * Drains the outbox into Telegram within a time budget, oldest first, in order per chat: a chat
 * whose head message cannot go now is skipped until its next attempt time, so nothing overtakes
 * it. 429 is obeyed exactly ({@code retry_after}); other failures back off; messages Telegram
 * rejects, or older than {@code maxAge}, are dropped and counted.
 */
public final class AlertDelivery {
  /** Longest wait between two tries of a chat's head message after a failure (2, 4, 8, 10, 10 ... s). */
  static final long MAX_BACKOFF_SECONDS = 10;
  private final TelegramClient telegram;
  private final Clock clock;
  private final Duration maxAge;

  public AlertDelivery(TelegramClient telegram, Clock clock, Duration maxAge) {
    this.telegram = telegram;
    this.clock = clock;
    this.maxAge = maxAge;
  }

  /** Sends what can be sent before {@code budget} runs out; returns how many were sent. */
  public int deliver(Outbox outbox, Duration budget) {
    Instant deadline = clock.instant().plus(budget);
    Set<String> blocked = new HashSet<>();
    int sent = 0;
    for (Outbox.Message m : outbox.pending()) {
      if (blocked.contains(m.chatId())) continue;
      Instant now = clock.instant();
      if (now.isAfter(m.createdAt().plus(maxAge))) {
        outbox.dropped(m.id(), now, "older than " + maxAge.toHours() + " h");
        continue;
      }
      if (m.nextAttemptAt().isAfter(now) || !now.isBefore(deadline)) {
        blocked.add(m.chatId());
        continue;
      }
      switch (sendOne(outbox, m, deadline)) {
        case SENT -> sent++;
        case BLOCKED -> blocked.add(m.chatId());
        case DROPPED -> { } // counted as lost; the next message may go
      }
    }
    return sent;
  }

  private enum Outcome { SENT, DROPPED, BLOCKED }

  private Outcome sendOne(Outbox outbox, Outbox.Message m, Instant deadline) {
    for (String part : TelegramClient.split(m.text())) {
      while (true) {
        TelegramClient.Result r = telegram.send(m.chatId(), part);
        Instant now = clock.instant();
        switch (r) {
          case TelegramClient.Result.Sent s -> { }
          case TelegramClient.Result.RetryAfter ra -> {
            if (now.plus(ra.delay()).isBefore(deadline)) {
              sleep(ra.delay());
              continue;
            }
            outbox.retryAt(m.id(), now.plus(ra.delay()), "429 retry_after " + ra.delay().toSeconds() + " s");
            return Outcome.BLOCKED;
          }
          case TelegramClient.Result.Failed f -> {
            // Capped low: one message per chat every 10 s at most is nothing to Telegram, and the
            // queue flushes within seconds of its return instead of minutes.
            long backoff = Math.min(MAX_BACKOFF_SECONDS, 2L << Math.min(m.attempts(), 3));
            outbox.retryAt(m.id(), now.plusSeconds(backoff), f.error());
            return Outcome.BLOCKED;
          }
          case TelegramClient.Result.Rejected rj -> {
            outbox.dropped(m.id(), now, rj.error());
            return Outcome.DROPPED;
          }
        }
        break;
      }
    }
    outbox.sent(m.id(), clock.instant());
    return Outcome.SENT;
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
