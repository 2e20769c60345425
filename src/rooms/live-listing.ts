/**
 * A room's listing, trusted only while its process runs: a listing whose process's heartbeat
 * has lapsed (src/cluster/liveness.ts) is dropped with every room of that process, and the room
 * counts as dormant (the next join by id restores it here).
 */
import { matchMaker, type IRoomCache } from "@colyseus/core";
import { services } from "../services.ts";
import { requireRedis } from "../cluster/redis-gate.ts";
import { AppError } from "../errors.ts";

export async function liveListing(
  roomId: string,
  why = "a call found its room there",
): Promise<IRoomCache | undefined> {
  const { liveness, redis } = services();
  requireRedis(redis);
  const listing = await matchMaker.getRoomById(roomId);
  if (!listing) return undefined;
  if (liveness && listing.processId && (await liveness.dropIfDead(listing.processId, why))) return undefined;
  return listing;
}

/** The refusal of a join whose room's process turned out to be gone: the join is tried again. */
export const PROCESS_GONE = "the room's server process is gone; try again";

/**
 * After a call into the room timed out: whether its process is gone (its rooms are dropped, the
 * room is dormant now). Waits up to a heartbeat TTL for a process that stopped beating to lapse.
 */
export async function roomProcessGone(roomId: string): Promise<boolean> {
  const listing = await matchMaker.getRoomById(roomId);
  if (!listing) return true;
  const { liveness, config } = services();
  if (!liveness || !listing.processId) return false;
  return liveness.awaitLapse(listing.processId, config.HEARTBEAT_TTL_MS);
}

/** how often a call into another process checks, while it waits, that the process still runs */
const WAITING_CHECK_MS = 100;

/**
 * A call into the room on another process, given up as soon as that process is found gone while
 * the call waits (rejects with PROCESS_GONE; its rooms are dropped, a join restores the room):
 * a join that reached a process just before it died waits for the verdict, not for the call's
 * whole timeout. A call answered within WAITING_CHECK_MS costs nothing more.
 */
export async function unlessProcessGone<T>(roomId: string, call: Promise<T>): Promise<T> {
  const { liveness } = services();
  if (!liveness) return call;
  let timer: NodeJS.Timeout | undefined;
  const gone = new Promise<never>((_, reject) => {
    const check = async () => {
      const listing = await matchMaker.getRoomById(roomId);
      if (!listing?.processId || (await liveness.dropIfDead(listing.processId, "a call to it waits")))
        return reject(new AppError("UNAVAILABLE", PROCESS_GONE));
      timer = setTimeout(() => void check().catch(() => {}), WAITING_CHECK_MS);
    };
    timer = setTimeout(() => void check().catch(() => {}), WAITING_CHECK_MS);
  });
  gone.catch(() => {}); // settled by the race below, or never looked at
  try {
    return await Promise.race([call, gone]);
  } finally {
    clearTimeout(timer);
  }
}
