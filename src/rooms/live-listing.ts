/**
 * A room's listing, trusted only while its process runs: a listing whose process's heartbeat
 * has lapsed (src/cluster/liveness.ts) is dropped with every room of that process, and the room
 * counts as dormant (the next join by id restores it here).
 */
import { matchMaker, type IRoomCache } from "@colyseus/core";
import { services } from "../services.ts";
import { requireRedis } from "../cluster/redis-gate.ts";

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
