/**
 * Tells the media events the SDK caused itself apart from the user's (pure).
 *
 * Before the SDK calls `play()`, `pause()` or sets `currentTime`, it calls `expect(kind, now)`;
 * when the matching `play` / `pause` / `seeked` event arrives, `consume(kind, now)` returns true
 * and the event is not turned into a `control` message. An expectation that no event answers
 * (a `play()` refused by the browser, a seek superseded by another) lapses after `windowMs`.
 */
export type MediaEventKind = "play" | "pause" | "seek";

export class EchoGuard {
  private readonly windowMs: number;
  private readonly pending: Record<MediaEventKind, number[]> = { play: [], pause: [], seek: [] };

  /** @param windowMs how long an expectation waits for its event; default 1 000 ms */
  constructor(windowMs = 1_000) {
    this.windowMs = windowMs;
  }

  expect(kind: MediaEventKind, now: number): void {
    this.pending[kind].push(now);
  }

  /** True if this event was expected (and uses up that expectation). */
  consume(kind: MediaEventKind, now: number): boolean {
    const live = this.pending[kind].filter((at) => now - at <= this.windowMs);
    const hit = live.length > 0;
    this.pending[kind] = live.slice(1);
    return hit;
  }
}
