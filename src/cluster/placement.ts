/**
 * Where a new (or restored) room is created: on the live process with the fewest rooms, also in
 * a burst, whichever process the requests came through.
 *
 * A process's load is its published room count (Colyseus's `roomcount` hash) plus the creates
 * reserved for it and not yet done. Choosing and reserving is one Redis script, so every entry
 * process sees every reservation the moment it is made (a burst of 30 goes 10/10/10). The chosen
 * process, once the room exists, publishes its new count and consumes one of its reservations in
 * one step too, so a room is never counted twice (as created and as reserved) nor dropped
 * between the two. A reservation whose create never happened (the process died, onCreate
 * failed) expires after RESERVATION_TTL_MS.
 *
 * Colyseus's own choice reads the published counts only, which lag the creates (a process
 * publishes at most once a second), so a burst all landed on one process; counting "creates
 * sent recently" per entry process instead counted each room twice once its count was published.
 *
 * Processes whose heartbeat lapsed (liveness.ts) are left out; the deciding process itself is
 * always a candidate. The keys are per process (not hash-tagged): one Redis, not Redis Cluster.
 */
import { randomUUID } from "node:crypto";
import { matchMaker } from "@colyseus/core";
import type { Redis } from "ioredis";
import { ALIVE_PREFIX } from "./liveness.ts";

/** how long a reservation counts when its create does not happen (a create takes well under 1 s) */
export const RESERVATION_TTL_MS = 10_000;

export interface PlacementKeys {
  /** hash processId → "rooms,ccu" (Colyseus's stats) */
  counts: string;
  /** + processId: that process's heartbeat key */
  alive: string;
  /** + processId: sorted set of its reservations, scored by expiry (ms) */
  reserved: string;
}

export const PLACEMENT_KEYS: PlacementKeys = {
  counts: "roomcount",
  alive: ALIVE_PREFIX,
  reserved: "anisync:placing:",
};

/** Picks the least-loaded live process (ties: the lowest id) and reserves a create there. */
const SELECT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local self, ttl, token = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local aliveP, reservedP = ARGV[4], ARGV[5]
local counts = redis.call('HGETALL', KEYS[1])
local best, bestLoad
for i = 1, #counts, 2 do
  local pid = counts[i]
  if pid == self or redis.call('EXISTS', aliveP .. pid) == 1 then
    local z = reservedP .. pid
    redis.call('ZREMRANGEBYSCORE', z, '-inf', now)
    local load = (tonumber(string.match(counts[i + 1], '^[^,]*')) or 0) + redis.call('ZCARD', z)
    if best == nil or load < bestLoad or (load == bestLoad and pid < best) then
      best, bestLoad = pid, load
    end
  end
end
if best == nil then best = self end
redis.call('ZADD', reservedP .. best, now + ttl, token)
redis.call('PEXPIRE', reservedP .. best, ttl)
return best
`;

/** Publishes this process's room count and consumes its oldest live reservation. */
const CREATED = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('ZPOPMIN', KEYS[2])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
`;

export class Placement {
  private readonly redis: Redis;
  private readonly keys: PlacementKeys;
  private readonly ttlMs: number;

  constructor(redis: Redis, keys: PlacementKeys = PLACEMENT_KEYS, ttlMs = RESERVATION_TTL_MS) {
    this.redis = redis;
    this.keys = keys;
    this.ttlMs = ttlMs;
  }

  /** Chooses the process for a create and reserves it there (`selectProcessIdToCreateRoom`). */
  async reserve(selfId: string): Promise<string> {
    const { counts, alive, reserved } = this.keys;
    const args = [selfId, String(this.ttlMs), randomUUID(), alive, reserved];
    return String(await this.redis.eval(SELECT, 1, counts, ...args));
  }

  /** A room was created here: `rooms` and `ccu` are this process's counts now. */
  async created(selfId: string, rooms: number, ccu: number): Promise<void> {
    const { counts, reserved } = this.keys;
    await this.redis.eval(CREATED, 2, counts, reserved + selfId, selfId, `${rooms},${ccu}`);
  }

  /** Colyseus's `selectProcessIdToCreateRoom`. */
  readonly select = (): Promise<string> => this.reserve(matchMaker.processId);

  /** For the room handler's "create" event: Colyseus has counted the room (stats.local). */
  readonly onRoomCreated = (): Promise<void> =>
    this.created(matchMaker.processId, matchMaker.stats.local.roomCount, matchMaker.stats.local.ccu);
}
