/**
 * A room's listing, trusted only while its process runs: a listing whose process's heartbeat
 * has lapsed (src/cluster/liveness.ts) is dropped with every room of that process, and the room
 * counts as dormant (the next join by id restores it here).
 */
import { matchMaker, type IRoomCache } from "@colyseus/core";
import { services } from "../services.ts";

export async function liveListing(
  roomId: string,
  why = "a call found its room there",
): Promise<IRoomCache | undefined> {
  const listing = await matchMaker.getRoomById(roomId);
  if (!listing) return undefined;
  const { liveness } = services();
  if (liveness && listing.processId && (await liveness.dropIfDead(listing.processId, why))) return undefined;
  return listing;
}
