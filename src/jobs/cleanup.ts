/**
 * Periodic cleanup, once per interval for the whole cluster: rooms inactive for
 * ROOM_INACTIVE_TTL_S are removed with their members (never one with members connected),
 * sync samples older than SAMPLE_TTL_S are deleted, comments stay. Every process ticks; a
 * PostgreSQL advisory lock and the last run's time in `settings` let exactly one of them run.
 */
import { eq, inArray, lt, sql } from "../db/drizzle.ts";
import type { Db } from "../db/connect.ts";
import { rooms, settings, syncSamples } from "../db/schema.ts";
import type { Logger } from "../log.ts";

const LOCK_KEY = 7_310_442_002;
const LAST_RUN = "cleanup_last_run";

export interface CleanupOptions {
  intervalS: number;
  roomTtlS: number;
  sampleTtlS: number;
  /** is this room hosted by some process right now (members may be connected)? */
  isLive: (roomId: string) => Promise<boolean>;
  onRun?: (removed: { rooms: number; samples: number }) => void;
}

export type CleanupResult = { ran: false } | { ran: true; rooms: string[]; samples: number };

export async function cleanupOnce(db: Db, opts: CleanupOptions, nowMs = Date.now()): Promise<CleanupResult> {
  return db.transaction(async (tx) => {
    const locked = await tx.execute(sql`SELECT pg_try_advisory_xact_lock(${LOCK_KEY}) AS ok`);
    if (!rowsOf<{ ok: boolean }>(locked)[0]?.ok) return { ran: false } as const;
    const [last] = await tx.select().from(settings).where(eq(settings.key, LAST_RUN));
    if (last && nowMs - Number(last.value) < opts.intervalS * 1000) return { ran: false } as const;

    const stale = await tx
      .select({ room_id: rooms.room_id })
      .from(rooms)
      .where(lt(rooms.last_active_at, new Date(nowMs - opts.roomTtlS * 1000)));
    const removable: string[] = [];
    for (const { room_id } of stale) if (!(await opts.isLive(room_id))) removable.push(room_id);
    if (removable.length > 0) await tx.delete(rooms).where(inArray(rooms.room_id, removable));
    const samples = await tx
      .delete(syncSamples)
      .where(lt(syncSamples.at, new Date(nowMs - opts.sampleTtlS * 1000)))
      .returning({ id: syncSamples.id });
    await tx
      .insert(settings)
      .values({ key: LAST_RUN, value: String(nowMs) })
      .onConflictDoUpdate({ target: settings.key, set: { value: String(nowMs) } });
    return { ran: true, rooms: removable, samples: samples.length } as const;
  });
}

function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}

/** Ticks a few times per interval, so the cluster's pass happens within a quarter interval of due. */
export class CleanupJob {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly db: Db;
  private readonly opts: CleanupOptions;
  private readonly log: Logger;

  constructor(db: Db, opts: CleanupOptions, log: Logger) {
    this.db = db;
    this.opts = opts;
    this.log = log;
  }

  start(): void {
    const tickMs = Math.min(60_000, Math.max(1000, (this.opts.intervalS * 1000) / 4));
    this.timer = setInterval(() => void this.tick(), tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const result = await cleanupOnce(this.db, this.opts);
      if (result.ran) {
        this.opts.onRun?.({ rooms: result.rooms.length, samples: result.samples });
        this.log.info("cleanup", { rooms_removed: result.rooms.length, samples_removed: result.samples });
      }
    } catch (err) {
      this.log.error("cleanup failed", { err });
    } finally {
      this.running = false;
    }
  }
}
