/**
 * Writes kept until the database takes them. An outbox runs its writes one after another in the
 * order they were pushed (one outbox per room). A write that fails for a reason that may pass
 * (connection lost or refused, a timeout, the server restarting) is retried with exponential
 * backoff, and the writes behind it wait, so order holds. A write is given up (its promise
 * rejects with WriteGivenUpError, and the group's `onGiveUp` is told) only when:
 * - it fails for good (an error PostgreSQL will repeat: a constraint, a type, a bug): `failed`;
 * - it has waited `giveUpAfterMs` since it was pushed: `deadline`;
 * - its outbox already holds `maxWrites` writes: the new write is refused, `full`;
 * - the process shuts down and the drain deadline passes: `shutdown`.
 * Nothing is dropped silently. Retrying assumes writes are idempotent: a write whose commit was
 * lost in transit is attempted twice. Every room write is: each carries its version, and the retry of
 * a stored version stores nothing (src/db/write-fence.ts), the host-action counter included.
 */

export type GiveUpReason = "failed" | "deadline" | "full" | "shutdown";

export class WriteGivenUpError extends Error {
  readonly reason: GiveUpReason;
  readonly label: string;

  constructor(label: string, reason: GiveUpReason, cause: unknown) {
    super(`write "${label}" given up (${reason})`, { cause });
    this.label = label;
    this.reason = reason;
  }
}

export interface OutboxSettings {
  /** writes one outbox may hold; a write pushed beyond it is refused */
  maxWrites: number;
  /** a write still failing this long after it was pushed is given up */
  giveUpAfterMs: number;
  retryMinMs?: number;
  retryMaxMs?: number;
  /** every outbox's pending total changed */
  onPending?(total: number): void;
  onRetry?(err: unknown): void;
  onGiveUp?(reason: GiveUpReason): void;
}

interface Write {
  label: string;
  task: () => Promise<unknown>;
  pushedAt: number;
  resolve(): void;
  reject(err: unknown): void;
}

export interface OutboxEvents {
  /** a write failed and will be retried (attempt counts from 1) */
  retry?(err: unknown, label: string, attempt: number): void;
  giveUp?(err: WriteGivenUpError): void;
}

/** Every outbox of the process: shared settings, one shutdown deadline, the pending total. */
export class OutboxGroup {
  readonly settings: OutboxSettings;
  private readonly open = new Set<Outbox>();
  private pending = 0;
  /** after beginShutdown: when the remaining writes are given up */
  cutoff: number | undefined;

  constructor(settings: OutboxSettings) {
    this.settings = settings;
  }

  outbox(events: OutboxEvents = {}): Outbox {
    return new Outbox(this, events);
  }

  /** From now on every outbox gives up what it still holds `deadlineMs` from now. */
  beginShutdown(deadlineMs: number): void {
    this.cutoff = Math.min(this.cutoff ?? Infinity, Date.now() + deadlineMs);
    for (const box of this.open) box.wake();
  }

  /** Resolves once every outbox is empty (at the latest at the shutdown deadline, if one is set). */
  async drain(): Promise<void> {
    await Promise.all([...this.open].map((box) => box.drain()));
  }

  get pendingWrites(): number {
    return this.pending;
  }

  /** @internal */
  track(box: Outbox, delta: number): void {
    this.pending += delta;
    if (box.size > 0) this.open.add(box);
    else this.open.delete(box);
    this.settings.onPending?.(this.pending);
  }
}

export class Outbox {
  private readonly group: OutboxGroup;
  private readonly events: OutboxEvents;
  private readonly queue: Write[] = [];
  private running = false;
  private idle: Array<() => void> = [];
  private sleeper: (() => void) | undefined;

  constructor(group: OutboxGroup, events: OutboxEvents) {
    this.group = group;
    this.events = events;
  }

  get size(): number {
    return this.queue.length;
  }

  /** Resolves once the write has committed; rejects with WriteGivenUpError when it is given up. */
  push(label: string, task: () => Promise<unknown>): Promise<void> {
    const { maxWrites } = this.group.settings;
    if (this.queue.length >= maxWrites) {
      const err = new WriteGivenUpError(label, "full", new Error(`${maxWrites} writes already waiting`));
      this.report(err);
      return Promise.reject(err);
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ label, task, pushedAt: Date.now(), resolve, reject });
      this.group.track(this, 1);
      void this.run();
    });
  }

  /** Resolves once every write pushed so far has committed or been given up. */
  drain(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** @internal a shutdown deadline was set: stop waiting between attempts */
  wake(): void {
    this.sleeper?.();
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    while (this.queue.length > 0) {
      const write = this.queue[0]!;
      await this.attempt(write);
      this.queue.shift();
      this.group.track(this, -1);
    }
    this.running = false;
    for (const resolve of this.idle.splice(0)) resolve();
  }

  private async attempt(write: Write): Promise<void> {
    const { giveUpAfterMs } = this.group.settings;
    for (let attempt = 1; ; attempt++) {
      if (this.pastCutoff())
        return this.giveUp(write, "shutdown", new Error("shutdown drain deadline passed"));
      try {
        await write.task();
        write.resolve();
        return;
      } catch (err) {
        if (!isTransient(err)) return this.giveUp(write, "failed", err);
        if (Date.now() - write.pushedAt >= giveUpAfterMs) return this.giveUp(write, "deadline", err);
        this.group.settings.onRetry?.(err);
        this.events.retry?.(err, write.label, attempt);
        await this.sleep(this.backoff(attempt));
      }
    }
  }

  private giveUp(write: Write, reason: GiveUpReason, cause: unknown): void {
    const err = new WriteGivenUpError(write.label, reason, cause);
    this.report(err);
    write.reject(err);
  }

  private report(err: WriteGivenUpError): void {
    this.group.settings.onGiveUp?.(err.reason);
    this.events.giveUp?.(err);
  }

  private pastCutoff(): boolean {
    return this.group.cutoff !== undefined && Date.now() >= this.group.cutoff;
  }

  /** 100 ms, 200 ms, … up to retryMaxMs, with ±25 % jitter so rooms do not retry in step */
  private backoff(attempt: number): number {
    const { retryMinMs = 100, retryMaxMs = 5000 } = this.group.settings;
    const ms = Math.min(retryMaxMs, retryMinMs * 2 ** (attempt - 1));
    return ms * (0.75 + Math.random() * 0.5);
  }

  private sleep(ms: number): Promise<void> {
    const cutoff = this.group.cutoff;
    const wait = cutoff === undefined ? ms : Math.max(0, Math.min(ms, cutoff - Date.now()));
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined = undefined;
      const done = () => {
        clearTimeout(timer);
        this.sleeper = undefined;
        resolve();
      };
      timer = setTimeout(done, wait);
      this.sleeper = done;
    });
  }
}

/**
 * SQLSTATE classes worth retrying: connection exceptions (08), transaction rollbacks such as
 * serialization failures and deadlocks (40), insufficient resources (53), operator intervention
 * such as a shutdown or a statement timeout (57), system errors (58).
 */
const TRANSIENT_CLASSES = new Set(["08", "40", "53", "57", "58"]);

/**
 * Whether a failed write may succeed if tried again. An error PostgreSQL answered carries a
 * SQLSTATE and a severity (drizzle wraps it: the chain of causes is searched); any other error
 * comes from the driver or the network (refused, reset, timed out, terminated): transient,
 * unless it says `transient: false` (src/db/fencing-repo.ts: a stale writer is refused for good).
 */
export function isTransient(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { transient?: unknown }).transient === false) return false; // says so itself (a fenced write)
    const { code, severity } = e as { code?: unknown; severity?: unknown };
    if (typeof code === "string" && typeof severity === "string" && /^[0-9A-Z]{5}$/.test(code))
      return TRANSIENT_CLASSES.has(code.slice(0, 2));
  }
  return true;
}
