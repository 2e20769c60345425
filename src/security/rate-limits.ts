/**
 * Request rate limits from the original design, per user_id and per client address:
 * room creation, playback control, comments and room management. Over a limit the caller
 * gets RATE_LIMITED with the seconds to wait. HTTP routes count in Redis when the cluster
 * has one (every process sees the same counts); a room's own messages count in its process's
 * memory, which is exact because a room lives in one process.
 */
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from "rate-limiter-flexible";
import type { Redis } from "ioredis";
import type { Config } from "../config.ts";
import { AppError } from "../errors.ts";
import { metrics } from "../ops/metrics.ts";

export type LimitName = "room_create" | "control" | "comment" | "manage" | "guest_identity";

const WINDOWS_S: Record<LimitName, number> = {
  room_create: 3600,
  control: 1,
  comment: 60,
  manage: 3600,
  guest_identity: 3600,
};

export function limitPoints(config: Config): Record<LimitName, number> {
  return {
    room_create: config.RATE_ROOM_CREATE_PER_HOUR,
    control: config.RATE_CONTROL_PER_S,
    comment: config.RATE_COMMENT_PER_MIN,
    manage: config.RATE_MANAGE_PER_HOUR,
    guest_identity: config.RATE_GUEST_IDENTITY_PER_HOUR,
  };
}

/** One counter window: in Redis when the cluster has one, else in this process's memory. */
export function makeLimiter(opts: {
  keyPrefix: string;
  points: number;
  durationS: number;
  redis?: Redis;
}): RateLimiterAbstract {
  const base = { keyPrefix: opts.keyPrefix, points: opts.points, duration: opts.durationS };
  return opts.redis
    ? new RateLimiterRedis({ ...base, storeClient: opts.redis })
    : new RateLimiterMemory(base);
}

export class RateLimits {
  private readonly limiters: Record<LimitName, RateLimiterAbstract>;

  constructor(points: Record<LimitName, number>, redis?: Redis) {
    const make = (name: LimitName) =>
      makeLimiter({
        keyPrefix: `anisync:rl:${name}`,
        points: points[name],
        durationS: WINDOWS_S[name],
        redis,
      });
    this.limiters = {
      room_create: make("room_create"),
      control: make("control"),
      comment: make("comment"),
      manage: make("manage"),
      guest_identity: make("guest_identity"),
    };
  }

  /** Counts one request against every given key; throws RATE_LIMITED if any is over. */
  async consume(name: LimitName, keys: { user_id?: string; ip?: string }): Promise<void> {
    const ids = [keys.user_id && `u:${keys.user_id}`, keys.ip && `ip:${keys.ip}`].filter(Boolean) as string[];
    try {
      await Promise.all(ids.map((id) => this.limiters[name].consume(id)));
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      const retryAfterS = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
      metrics.rateLimited.inc({ limit: name });
      throw new AppError(
        "RATE_LIMITED",
        `${name.replace("_", " ")}: too many requests; retry in ${retryAfterS} s`,
        {
          retryAfterS,
        },
      );
    }
  }
}
