/**
 * A short lock that lets one caller at a time restore a dormant room. Taken atomically: with
 * Redis (a cluster) `SET key token NX PX ttl` on the services' Redis, so a lock whose holder
 * died expires by itself (incr-then-expire could leave a lock without expiry), and released
 * only by its holder (compare-and-delete), so a release after the TTL never frees another
 * caller's lock. Without Redis (one process) a map keeps the same rules.
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";

export interface HeldLock {
  release(): Promise<void>;
}

const RELEASE_SCRIPT = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;

const local = new Map<string, { token: string; untilMs: number }>();

/** The lock when it was free (now held for `ttlMs` at most), else undefined. */
export async function tryLock(
  redis: Redis | undefined,
  key: string,
  ttlMs: number,
): Promise<HeldLock | undefined> {
  const token = randomUUID();
  if (redis) {
    const taken = await redis.set(key, token, "PX", ttlMs, "NX");
    if (taken !== "OK") return undefined;
    return { release: async () => void (await redis.eval(RELEASE_SCRIPT, 1, key, token)) };
  }
  const now = Date.now();
  const held = local.get(key);
  if (held && held.untilMs > now) return undefined;
  local.set(key, { token, untilMs: now + ttlMs });
  return {
    release: async () => {
      if (local.get(key)?.token === token) local.delete(key);
    },
  };
}
