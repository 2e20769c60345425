/**
 * HTTP changes are answered within a bound (HTTP_WRITE_WAIT_S). A change whose write commits in
 * time is answered as done (2xx = stored). One still waiting for the database then is answered
 * `202 Accepted` with a write id: the change stays queued in the room's order and is stored when
 * the database is back, unless it is given up (OUTBOX_GIVE_UP_S); `GET /api/writes/:write_id`
 * says which (`pending`, `stored`, `abandoned`). A write given up within the wait is refused as
 * before (`503 UNAVAILABLE`: not stored). Outcomes live in presence (Redis in a cluster), so any
 * process answers for a write of any room.
 */
import { randomBytes } from "node:crypto";

export type WriteStatus = "pending" | "stored" | "abandoned";
export interface WriteOutcome {
  status: WriteStatus;
}

/** An answer to give now while the write goes on: its data as of now, and the write to ask about. */
export class PendingAnswer<T> {
  readonly data: T;
  readonly write_id: string;

  constructor(data: T, writeId: string) {
    this.data = data;
    this.write_id = writeId;
  }
}

/** A room's answer as it crosses to HTTP: its data, and the pending write's id if there is one. */
export function answerOf<T>(value: T | PendingAnswer<T>): { data: T; pending?: string } {
  return value instanceof PendingAnswer ? { data: value.data, pending: value.write_id } : { data: value };
}

export interface OutcomeStore {
  set(writeId: string, outcome: WriteOutcome, ttlS: number): Promise<void>;
  get(writeId: string): Promise<WriteOutcome | undefined>;
}

/** What write-waits needs of Colyseus's presence (LocalPresence or RedisPresence). */
export interface PresenceLike {
  setex(key: string, value: string, seconds: number): unknown;
  get(key: string): unknown;
}

export function presenceOutcomes(presence: () => PresenceLike): OutcomeStore {
  const key = (id: string) => `anisync:write:${id}`;
  return {
    async set(id, outcome, ttlS) {
      await presence().setex(key(id), outcome.status, Math.max(1, Math.ceil(ttlS)));
    },
    async get(id) {
      const status = await presence().get(key(id));
      return status === "pending" || status === "stored" || status === "abandoned" ? { status } : undefined;
    },
  };
}

export interface WaitOptions {
  waitMs: number;
  /** how long an outcome can be asked for */
  keepS: number;
  outcomes: OutcomeStore;
  onError?(err: unknown): void;
}

/** A write id: 128 random bits, so only whoever was answered with it can ask about it. */
export const WRITE_ID = /^[A-Za-z0-9_-]{22}$/;

/**
 * `work`'s value once it is done within `waitMs`; after that a PendingAnswer carrying
 * `pendingData()`, whose outcome is recorded when `work` settles. A `work` that fails within
 * the wait rejects as it would have.
 */
export async function withinWait<T, P>(
  work: Promise<T>,
  pendingData: () => P,
  opts: WaitOptions,
): Promise<T | PendingAnswer<P>> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<typeof LATE>((resolve) => (timer = setTimeout(() => resolve(LATE), opts.waitMs)));
  try {
    const first = await Promise.race([work, late]);
    if (first !== LATE) return first;
  } finally {
    clearTimeout(timer);
  }
  const writeId = randomBytes(16).toString("base64url");
  const record = (status: WriteStatus) =>
    opts.outcomes.set(writeId, { status }, opts.keepS).catch((err: unknown) => opts.onError?.(err));
  await record("pending");
  work.then(
    () => record("stored"),
    () => record("abandoned"),
  );
  return new PendingAnswer(pendingData(), writeId);
}

const LATE = Symbol("late");

/** The process's bound on HTTP changes (HTTP_WRITE_WAIT_S) and where their outcomes are kept. */
export class WriteWaits {
  private readonly opts: WaitOptions;

  constructor(opts: WaitOptions) {
    this.opts = opts;
  }

  within<T, P>(work: Promise<T>, pendingData: () => P): Promise<T | PendingAnswer<P>> {
    return withinWait(work, pendingData, this.opts);
  }

  outcome(writeId: string): Promise<WriteOutcome | undefined> {
    return WRITE_ID.test(writeId) ? this.opts.outcomes.get(writeId) : Promise.resolve(undefined);
  }
}
