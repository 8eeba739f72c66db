package io.stopguard.bitget;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A response body read as UTF-8 text, failing as soon as it grows past a cap: the JDK's own
 * {@code ofString} would buffer whatever a broken or hostile server sends.
 */
final class LimitedBody implements HttpResponse.BodySubscriber<String> {
  /** The answer is larger than the cap; the exchange is cancelled. */
  static final class TooLargeException extends IOException {
    TooLargeException(long cap) {
      super("answer larger than " + cap / (1024 * 1024) + " MiB: refused (not Bitget's answer?)");
    }
  }

  private final HttpResponse.BodySubscriber<String> text = HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8);
  private final long cap;
  private long received;
  private boolean failed;
  private Flow.Subscription subscription;

  private LimitedBody(long cap) {
    this.cap = cap;
  }

  static HttpResponse.BodySubscriber<String> ofString(long cap) {
    return new LimitedBody(cap);
  }

  @Override
  public CompletionStage<String> getBody() {
    return text.getBody();
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    subscription = s;
    text.onSubscribe(s);
  }

  @Override
  public void onNext(List<ByteBuffer> item) {
    if (failed) return;
    for (ByteBuffer b : item) received += b.remaining();
    if (received > cap) {
      failed = true;
      subscription.cancel();
      text.onError(new TooLargeException(cap));
      return;
    }
    text.onNext(item);
  }

  @Override
  public void onError(Throwable t) {
    if (!failed) text.onError(t);
  }

  @Override
  public void onComplete() {
    if (!failed) text.onComplete();
  }
}
