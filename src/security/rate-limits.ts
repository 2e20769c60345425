/**
 * Request rate limits: per user_id at the original design's numbers (RATE_*), and per client
 * address at a looser level (RATE_PER_ADDRESS_FACTOR times the per-user number), so people who
 * share an address (a NAT, a campus, a proxy) do not share one user's allowance. An IPv6 address
 * counts per /64 (client-ip.ts). Over a limit the caller gets RATE_LIMITED with the seconds to
 * wait. HTTP routes and matchmaking count in Redis when the cluster has one (every process sees
 * the same counts), falling back to this process's memory while Redis is unreachable; a room's
 * own messages count in its process's memory, which is exact because a room lives in one process.
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
import { addressKey } from "./client-ip.ts";
import { CountedAhead } from "./counted-ahead.ts";

export type LimitName =
  "room_create" | "join" | "control" | "comment" | "reaction" | "manage" | "guest_identity";
export const LIMIT_NAMES: readonly LimitName[] = [
  "room_create",
  "join",
  "control",
  "comment",
  "reaction",
  "manage",
  "guest_identity",
];

const WINDOWS_S: Record<LimitName, number> = {
  room_create: 3600,
  join: 60,
  control: 1,
  comment: 60,
  reaction: 10,
  manage: 3600,
  guest_identity: 3600,
};

/** Points per window: per user_id, and per client address. */
export interface LimitPoints {
  user: Record<LimitName, number>;
  address: Record<LimitName, number>;
}

export function limitPoints(config: Config): LimitPoints {
  const user: Record<LimitName, number> = {
    room_create: config.RATE_ROOM_CREATE_PER_HOUR,
    join: config.RATE_JOIN_PER_MIN,
    control: config.RATE_CONTROL_PER_S,
    comment: config.RATE_COMMENT_PER_MIN,
    reaction: config.RATE_REACTION_PER_10S,
    manage: config.RATE_MANAGE_PER_HOUR,
    guest_identity: config.RATE_GUEST_IDENTITY_PER_HOUR,
  };
  const factor = config.RATE_PER_ADDRESS_FACTOR;
  const address = Object.fromEntries(
    LIMIT_NAMES.map((name) => [name, name === "guest_identity" ? user[name] : user[name] * factor]),
  ) as Record<LimitName, number>;
  return { user, address };
}

/**
 * One counter window: in Redis when the cluster has one, else in this process's memory. With
 * Redis unreachable, the Redis counter answers from memory at once (insurance limiter), so
 * limits still hold per process and joins keep working.
 */
export function makeLimiter(opts: {
  keyPrefix: string;
  points: number;
  durationS: number;
  redis?: Redis;
}): RateLimiterAbstract {
  const base = { keyPrefix: opts.keyPrefix, points: opts.points, duration: opts.durationS };
  return opts.redis
    ? new RateLimiterRedis({
        ...base,
        storeClient: opts.redis,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory(base),
      })
    : new RateLimiterMemory(base);
}

export class RateLimits {
  private readonly perUser: Record<LimitName, RateLimiterAbstract>;
  private readonly perAddress: Record<LimitName, RateLimiterAbstract>;

  constructor(points: LimitPoints, redis?: Redis) {
    const make = (kind: "user" | "address", prefix: string) =>
      Object.fromEntries(
        LIMIT_NAMES.map((name) => [
          name,
          makeLimiter({
            keyPrefix: `anisync:rl:${name}${prefix}`,
            points: points[kind][name],
            durationS: WINDOWS_S[name],
            redis,
          }),
        ]),
      ) as Record<LimitName, RateLimiterAbstract>;
    this.perUser = make("user", "");
    this.perAddress = make("address", ":addr");
  }

  /**
   * One limit per user, each user's next request counted ahead (counted-ahead.ts). A count ahead
   * that is refused is nobody's refused request: it is not in the RATE_LIMITED metric, and the
   * request, when it comes, is counted and refused as usual.
   */
  countedAhead(name: LimitName): CountedAhead {
    const perUser = this.perUser[name];
    return new CountedAhead(
      (userId) => this.consume(name, { user_id: userId }),
      (userId) => perUser.consume(`u:${userId}`).then(() => undefined),
    );
  }

  /**
   * Counts one request against the user and the address given; rejects with RATE_LIMITED if
   * either is over. A single count (a room's message) is answered by its own limiter's promise:
   * the answer is known when this returns, and a host's seek waits on as few promises as it can.
   */
  consume(name: LimitName, keys: { user_id?: string; ip?: string }): Promise<void> {
    const counts: Promise<unknown>[] = [];
    if (keys.user_id) counts.push(this.perUser[name].consume(`u:${keys.user_id}`));
    if (keys.ip) counts.push(this.perAddress[name].consume(`ip:${addressKey(keys.ip)}`));
    const all = counts.length === 1 ? counts[0]! : Promise.all(counts);
    return all.then(
      () => undefined,
      (err: unknown) => {
        throw err instanceof RateLimiterRes ? refusal(name, err) : err;
      },
    );
  }
}

function refusal(name: LimitName, res: RateLimiterRes): AppError {
  const retryAfterS = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  metrics.rateLimited.inc({ limit: name });
  return new AppError(
    "RATE_LIMITED",
    `${name.replace("_", " ")}: too many requests; retry in ${retryAfterS} s`,
    {
      retryAfterS,
    },
  );
}
