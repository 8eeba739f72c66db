package io.stopguard.guard;

import io.stopguard.alert.Alerting;
import io.stopguard.bitget.IpBudget;
import io.stopguard.check.CheckService;
import io.stopguard.metrics.StopguardMetrics;
import io.stopguard.risk.Policy;
import io.stopguard.store.Store;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a watcher's parts share ({@link AccountWatch} for each account, {@link WatchStatus}): its
 * collaborators, fixed when the {@link Watcher} is built, passed explicitly as {@link Restorer}'s
 * are. What changes while the watcher runs (which accounts, whether it is closing, its ownership)
 * is asked through each part's own seam, never read from the watcher's fields.
 *
 * @param scheduler the watcher's timers (see {@link Timebase})
 * @param socketTimer WebSocket pings and reconnects: never behind a task that waits on the store
 * @param workers virtual threads for looks and key checks
 * @param webSocketHttp one HTTP client (one selector thread) for every account's WebSocket
 * @param webSockets accounts holding a private WebSocket now (Bitget allows 100 per IP)
 * @param permits looks in flight at most ({@link WatchSettings#parallelism})
 */
record WatchContext(Store store, WatchSettings settings, Clock clock, ScheduledExecutorService scheduler,
    ScheduledExecutorService socketTimer, ExecutorService workers, CheckService service, Restorer restorer,
    StopguardMetrics metrics, Alerting alerting, Policy policy, IpBudget budget, URI webSocketUrl, HttpClient webSocketHttp,
    BitgetContact bitget, PauseDetector pauses, AtomicInteger webSockets, Semaphore permits) {}
