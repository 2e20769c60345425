/**
 * The rules of process liveness (pure). Each process renews a heartbeat key in Redis every
 * interval; the key expires `ttlMs` after its last renewal. Survivors trust that expiry:
 * a process whose key is gone has died or stalled, and its rooms may be taken elsewhere.
 * The process itself reaches the same verdict from its own clock (no Redis round trip needed):
 * once `ttlMs` has passed since its last renewal was sent, its key may be gone, so it must
 * assume that its rooms may have been taken until it has checked them (fencing).
 */

export interface LapseSettings {
  /** how often the heartbeat is renewed */
  intervalMs: number;
  /** how long a renewal keeps the key alive */
  ttlMs: number;
}

/** Whether the heartbeat sent at `lastSentAtMs` (monotonic clock) still covers `nowMs`. */
export function heartbeatCovers(lastSentAtMs: number | undefined, nowMs: number, ttlMs: number): boolean {
  return lastSentAtMs !== undefined && nowMs < lastSentAtMs + ttlMs;
}

/**
 * Whether this process may judge others dead: only once its own heartbeat has run without a
 * gap for a full TTL plus one interval. After a Redis outage every key has expired; a survivor
 * that swept at once would declare every other process dead before they renewed theirs.
 */
export function maySweep(healthySinceMs: number | undefined, nowMs: number, s: LapseSettings): boolean {
  return healthySinceMs !== undefined && nowMs - healthySinceMs >= s.ttlMs + s.intervalMs;
}

/**
 * Whether a process whose own pub/sub channel has had no subscriber since `noSubscriberSinceMs`
 * is gone. A process that died has its connections closed by its operating system, so Redis
 * drops its subscription at once; a stalled one (a GC pause, SIGSTOP, a frozen VM) keeps its
 * connections open and is judged by its heartbeat alone. One interval of grace lets a process
 * whose subscriber connection blinked reconnect first.
 */
export function connectionGone(
  noSubscriberSinceMs: number | undefined,
  nowMs: number,
  s: LapseSettings,
): boolean {
  return noSubscriberSinceMs !== undefined && nowMs - noSubscriberSinceMs >= s.intervalMs;
}
