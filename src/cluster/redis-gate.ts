/**
 * Requests that need Redis (matchmaking, the listing, calls into a room on another process)
 * answer 503 UNAVAILABLE at once while the cluster's Redis is unreachable, instead of waiting on
 * the Redis clients' retries (Colyseus's presence and driver retry a command for about 10 s).
 * Rooms that live in this process keep playing meanwhile: their members talk to them directly.
 */
import type { Redis } from "ioredis";
import { AppError } from "../errors.ts";

export function requireRedis(redis: Redis | undefined): void {
  if (redis && redis.status !== "ready")
    throw new AppError(
      "UNAVAILABLE",
      "Redis is unreachable: rooms keep playing, joins and listings wait for it",
    );
}
