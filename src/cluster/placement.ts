/**
 * Where a new (or restored) room is created: on the live process with the fewest rooms.
 * Colyseus's own choice reads each process's room count from Redis, which a process updates at
 * most once a second, so a burst of creates all lands on one process. Here the creates this
 * process sent to each process in the last few seconds count on top of the published count,
 * and processes whose heartbeat lapsed are left out.
 */
import { matchMaker } from "@colyseus/core";
import type { Redis } from "ioredis";
import { aliveKey } from "./liveness.ts";

/** sent creates count this long: past it, the published room counts include them */
const RECENT_MS = 3_000;

export interface Candidate {
  processId: string;
  roomCount: number;
}

/** The candidate with the fewest rooms, counting the creates sent recently (ties: the first). */
export function leastLoaded(
  candidates: Candidate[],
  recent: ReadonlyMap<string, number>,
): string | undefined {
  let best: { id: string; load: number } | undefined;
  for (const c of candidates) {
    const load = c.roomCount + (recent.get(c.processId) ?? 0);
    if (!best || load < best.load) best = { id: c.processId, load };
  }
  return best?.id;
}

export class Placement {
  private readonly redis: Redis;
  private sent: Array<{ processId: string; at: number }> = [];

  constructor(redis: Redis) {
    this.redis = redis;
  }

  /** Colyseus's `selectProcessIdToCreateRoom`. */
  readonly select = async (): Promise<string> => {
    const stats = await matchMaker.stats.fetchAll();
    const alive = stats.length ? await this.redis.mget(stats.map((s) => aliveKey(s.processId))) : [];
    const live = stats.filter((s, i) => alive[i] !== null || s.processId === matchMaker.processId);
    const now = Date.now();
    this.sent = this.sent.filter((s) => now - s.at < RECENT_MS);
    const recent = new Map<string, number>();
    for (const s of this.sent) recent.set(s.processId, (recent.get(s.processId) ?? 0) + 1);
    const chosen = leastLoaded(live, recent) ?? matchMaker.processId;
    this.sent.push({ processId: chosen, at: now });
    return chosen;
  };
}
