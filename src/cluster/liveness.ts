/**
 * Process liveness in a cluster (the rules are in lapse.ts). Each process renews
 * `anisync:alive:<processId>` in Redis every HEARTBEAT_INTERVAL_MS with a TTL of
 * HEARTBEAT_TTL_MS, and on each beat:
 * - checks that it still holds its rooms (room-holds.ts): after a gap (a stall, a Redis cut)
 *   it stays "not current" until that check is done, so a copy taken elsewhere meanwhile is
 *   closed before it answers anyone or touches the listing again;
 * - sweeps: a process listed in Colyseus's process stats whose key is gone is dropped with
 *   the same clean-up as Colyseus's own health check (`healthCheckProcessId`): out of the
 *   stats (no new rooms), its rooms out of the driver (the listing; a join by id restores them
 *   here), and a "swept" receipt so that, if it was only stalled, it lists again the rooms it
 *   still holds. Colyseus confirms with an IPC ping that waits 2 s; the expired key is the
 *   evidence here, and fencing makes a wrong verdict safe.
 * - a process that died is found sooner than its heartbeat lapses: its connections close with it,
 *   and once its own pub/sub channel (Colyseus's `p:<processId>`) has had no subscriber for an
 *   interval it is dropped the same way (lapse.ts `connectionGone`). A stalled process keeps its
 *   connections: only its heartbeat judges it.
 * Cross-process calls that time out, or wait long, ask `dropIfDead` about their target the same way.
 */
import { matchMaker } from "@colyseus/core";
import type { Redis } from "ioredis";
import type { Logger } from "../log.ts";
import { connectionGone, heartbeatCovers, maySweep, type LapseSettings } from "./lapse.ts";

/** Colyseus's "swept" receipt (MatchMaker.getProcessSweptKey) and its TTL (SWEPT_RECEIPT_TTL). */
const SWEPT_KEY = (processId: string) => `swept:${processId}`;
const SWEPT_RECEIPT_TTL_S = 600;
/** Colyseus's process stats (Stats.getRoomCountKey): a dropped process is out of it. */
const STATS_KEY = "roomcount";
/** Colyseus's channel of a process (MatchMaker.getProcessChannel): subscribed while it runs. */
const PROCESS_CHANNEL = (processId: string) => `p:${processId}`;

export const ALIVE_PREFIX = "anisync:alive:";

export function aliveKey(processId: string): string {
  return ALIVE_PREFIX + processId;
}

export class ProcessLiveness {
  private readonly redis: Redis;
  private readonly settings: LapseSettings;
  private readonly log: Logger;
  private readonly verify: () => Promise<void>;
  private lastSentAt: number | undefined;
  private healthySince: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private beating = false;
  private failing = false;
  /** other processes seen without a subscriber on their channel, since when (monotonic ms) */
  private readonly unsubscribed = new Map<string, number>();

  constructor(redis: Redis, settings: LapseSettings, log: Logger, verify: () => Promise<void>) {
    this.redis = redis;
    this.settings = settings;
    this.log = log;
    this.verify = verify;
  }

  start(): void {
    void this.beat();
    this.timer = setInterval(() => void this.beat(), this.settings.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Whether this process's heartbeat covers now and its rooms were checked since the last gap:
   * no other process can have taken one of them. False until the first beat.
   */
  get current(): boolean {
    return heartbeatCovers(this.lastSentAt, performance.now(), this.settings.ttlMs);
  }

  /** Waits (at most `limitMs`) until this process is current again. */
  async whenCurrent(limitMs: number): Promise<boolean> {
    const until = performance.now() + limitMs;
    while (!this.current) {
      if (performance.now() >= until) return false;
      await new Promise((resolve) => setTimeout(resolve, Math.min(50, this.settings.intervalMs)));
    }
    return true;
  }

  async isAlive(processId: string): Promise<boolean> {
    if (processId === matchMaker.processId) return true;
    const [[, beats], [, subs], [, listed]] = (await this.redis
      .multi()
      .exists(aliveKey(processId))
      .pubsub("NUMSUB", PROCESS_CHANNEL(processId))
      .hexists(STATS_KEY, processId)
      .exec()) as [[null, number], [null, [string, number]], [null, number]];
    const subscribers = Number(subs[1]);
    // another process dropped it already (out of the stats) and it has not come back: no grace
    if (beats === 1 && subscribers === 0 && listed === 0 && this.judges()) return false;
    return beats === 1 && !this.connectionGone(processId, subscribers);
  }

  /** Whether this process may judge others (its own heartbeat has run for a while without a gap). */
  private judges(): boolean {
    return maySweep(this.healthySince, performance.now(), this.settings);
  }

  /**
   * Whether the process's connections are gone (see lapse.ts); judged only once this process's
   * own heartbeat has run for a while (after a Redis outage every subscriber reconnects).
   */
  private connectionGone(processId: string, subscribers: number): boolean {
    const now = performance.now();
    if (subscribers > 0 || !this.judges()) {
      this.unsubscribed.delete(processId);
      return false;
    }
    const since = this.unsubscribed.get(processId) ?? now;
    this.unsubscribed.set(processId, since);
    return connectionGone(since, now, this.settings);
  }

  /**
   * After a call to the process timed out: waits (at most `limitMs`) for its heartbeat to lapse,
   * and drops it if it does; true when it is gone, false when it still beats.
   */
  async awaitLapse(processId: string, limitMs: number): Promise<boolean> {
    const until = performance.now() + limitMs;
    for (;;) {
      if (await this.dropIfDead(processId, "a call to it timed out")) return true;
      if (performance.now() >= until) return false;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Drops the process if its heartbeat is gone; true when it was (it is gone). */
  async dropIfDead(processId: string, why: string): Promise<boolean> {
    if (await this.isAlive(processId)) return false;
    await this.drop(processId, why);
    return true;
  }

  private async drop(processId: string, why: string): Promise<void> {
    await matchMaker.stats.excludeProcess(processId);
    await matchMaker.driver.cleanup?.(processId);
    await matchMaker.presence.setex(SWEPT_KEY(processId), "1", SWEPT_RECEIPT_TTL_S);
    this.log.warn("process heartbeat lapsed: its rooms leave the listing", { process_id: processId, why });
  }

  private async beat(): Promise<void> {
    if (this.beating || !matchMaker.processId) return;
    this.beating = true;
    const sentAt = performance.now();
    try {
      await this.redis.set(aliveKey(matchMaker.processId), String(Date.now()), "PX", this.settings.ttlMs);
      const gap = !this.current;
      await this.verify();
      this.lastSentAt = sentAt;
      // Redis answers again from now on (a command sent during a cut may complete long after it
      // was sent): the others get a full TTL from here to renew theirs before this one judges them
      if (gap || this.healthySince === undefined) this.healthySince = performance.now();
      // listing writes were held during the gap: list again the rooms still held here
      if (gap) await matchMaker.restoreMissingRoomCaches();
      if (this.failing) this.log.info("heartbeat renewed", { process_id: matchMaker.processId });
      this.failing = false;
      await matchMaker.stats.persist(true); // listed again for placement if a survivor dropped it
      if (maySweep(this.healthySince, performance.now(), this.settings)) await this.sweep();
    } catch (err) {
      this.healthySince = undefined;
      if (!this.failing) this.log.warn("heartbeat not renewed", { process_id: matchMaker.processId, err });
      this.failing = true;
    } finally {
      this.beating = false;
    }
  }

  private async sweep(): Promise<void> {
    const others = (await matchMaker.stats.fetchAll())
      .map((s) => s.processId)
      .filter((id) => id !== matchMaker.processId);
    if (others.length === 0) return;
    const alive = await this.redis.mget(others.map(aliveKey));
    const subs = (await this.redis.pubsub("NUMSUB", ...others.map(PROCESS_CHANNEL))) as (string | number)[];
    for (const [i, processId] of others.entries()) {
      if (alive[i] === null) await this.drop(processId, "heartbeat expired");
      else if (this.connectionGone(processId, Number(subs[2 * i + 1])))
        await this.drop(processId, "its connections to Redis closed");
    }
    // a dropped process stays judged by its channel until its heartbeat key expires as well
    const now = performance.now();
    for (const [id, since] of this.unsubscribed)
      if (now - since > 2 * this.settings.ttlMs) this.unsubscribed.delete(id);
  }
}
