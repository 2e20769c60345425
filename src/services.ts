/**
 * What rooms and routes share inside one process: configuration, database, secrets, logger.
 * Colyseus instantiates rooms itself (one matchmaker per process), so the process's services
 * are installed here once at start-up and read by rooms and their static onAuth.
 */
import type { Redis } from "ioredis";
import type { Config } from "./config.ts";
import type { Database } from "./db/connect.ts";
import type { OutboxGroup } from "./db/outbox.ts";
import type { SampleWriter } from "./jobs/sample-writer.ts";
import type { ReactionCounter } from "./jobs/reaction-counter.ts";
import type { Logger } from "./log.ts";
import type { IdentityService } from "./security/identity.ts";
import type { KeyThrottle } from "./security/key-throttle.ts";
import type { RateLimits } from "./security/rate-limits.ts";
import type { PatchScheduler } from "./rooms/patch-scheduler.ts";
import type { WriteWaits } from "./rooms/write-waits.ts";
import type { RoomHolds } from "./cluster/room-holds.ts";
import type { ProcessLiveness } from "./cluster/liveness.ts";

export interface Services {
  config: Config;
  database: Database;
  /** the rooms' write outboxes (retry, bound, shutdown drain) */
  outboxes: OutboxGroup;
  tokenSecret: string;
  /** who callers are (AUTH_MODE) */
  identity: IdentityService;
  keyThrottle: KeyThrottle;
  /** HTTP and matchmaking limits, shared through Redis in a cluster */
  rateLimits: RateLimits;
  samples: SampleWriter;
  /** sends every room's state patches, a slot of rooms at a time */
  patches: PatchScheduler;
  /** timeline reactions, counted per 30 s bucket */
  reactions: ReactionCounter;
  /** HTTP changes answered within HTTP_WRITE_WAIT_S, and their outcomes */
  writeWaits: WriteWaits;
  /** the cluster's Redis, when REDIS_URL is set */
  redis?: Redis;
  /** the rooms this process holds and their generation (fencing) */
  holds: RoomHolds;
  /** heartbeat and dead-process detection, when REDIS_URL is set */
  liveness?: ProcessLiveness;
  log: Logger;
}

let current: Services | undefined;

export function installServices(services: Services | undefined): void {
  current = services;
}

export function services(): Services {
  if (!current) throw new Error("services are not installed: start the server through createAniSync()");
  return current;
}
