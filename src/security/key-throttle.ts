/**
 * Throttle for access-key guesses on private rooms: at most N wrong keys per IP per room per
 * minute and M per room per hour. Past either limit every attempt, even with the right key,
 * is refused until the window passes. Backed by Redis when the cluster shares one, so every
 * process counts the same guesses; in memory otherwise.
 */
import type { RateLimiterAbstract } from "rate-limiter-flexible";
import { makeLimiter } from "./rate-limits.ts";
import type { Redis } from "ioredis";

export interface KeyThrottleOptions {
  perIpPerMinute: number;
  perRoomPerHour: number;
  redis?: Redis;
}

export type ThrottleVerdict = { allowed: true } | { allowed: false; retryAfterS: number };

export class KeyThrottle {
  private readonly perIp: RateLimiterAbstract;
  private readonly perRoom: RateLimiterAbstract;
  private readonly limits: [number, number];

  constructor(opts: KeyThrottleOptions) {
    this.limits = [opts.perIpPerMinute, opts.perRoomPerHour];
    const { redis } = opts;
    this.perIp = makeLimiter({
      keyPrefix: "anisync:keyguess:ip",
      points: opts.perIpPerMinute,
      durationS: 60,
      redis,
    });
    this.perRoom = makeLimiter({
      keyPrefix: "anisync:keyguess:room",
      points: opts.perRoomPerHour,
      durationS: 3600,
      redis,
    });
  }

  /** Is this caller still allowed to try a key? */
  async check(roomId: string, ip: string): Promise<ThrottleVerdict> {
    const [ipRes, roomRes] = await Promise.all([this.perIp.get(`${roomId}:${ip}`), this.perRoom.get(roomId)]);
    const blocked = [ipRes, roomRes]
      .map((res, i) => (res && res.consumedPoints >= this.limits[i]! ? res.msBeforeNext : -1))
      .filter((ms) => ms >= 0);
    if (blocked.length === 0) return { allowed: true };
    return { allowed: false, retryAfterS: Math.max(1, Math.ceil(Math.max(...blocked) / 1000)) };
  }

  /** Count one wrong key against both windows. */
  async recordFailure(roomId: string, ip: string): Promise<void> {
    await Promise.allSettled([this.perIp.penalty(`${roomId}:${ip}`, 1), this.perRoom.penalty(roomId, 1)]);
  }
}
