/**
 * Bringing a dormant room back. A room_id is never live twice: a lock (restore-lock.ts, shared
 * through Redis in a cluster) lets one caller create it, the others wait for its listing.
 */
import { matchMaker } from "@colyseus/core";
import { AppError } from "../errors.ts";
import { services } from "../services.ts";
import { tryLock } from "./restore-lock.ts";
import { liveListing } from "./live-listing.ts";
import * as repo from "../db/rooms-repo.ts";
import { clampPosition, pausedAt, type PlaybackSnapshot } from "../sync/playback.ts";
import { expectedPosition } from "../sync/clock.ts";

/** Internal create options start with this; onAuth refuses them from clients. */
export const INTERNAL_OPTION_PREFIX = "__anisync_";
/** Restore a dormant room by id. */
export const RESTORE_OPTION = "__anisync_restore";
/** The verified creator's seat, set by onAuth for onCreate. */
export const OWNER_OPTION = "__anisync_owner";
export { ROOM_NAME } from "../../schema/protocol.ts";
import { ROOM_NAME } from "../../schema/protocol.ts";

const LOCK_TTL_MS = 15_000;
const WAIT_STEP_MS = 25;
const WAIT_LIMIT_MS = 10_000;
/** how long a "live" row may wait for its old instance to finish putting itself to sleep */
const SETTLE_LIMIT_MS = 3_000;

export async function ensureLive(roomId: string): Promise<void> {
  if (await liveListing(roomId, "a join found its room there")) return;
  const { database, redis } = services();
  let row = await repo.getRoom(database.db, roomId);
  if (!row) throw new AppError("ROOM_NOT_FOUND");

  const lock = await tryLock(redis, `anisync:restore:${roomId}`, LOCK_TTL_MS);
  if (lock) {
    try {
      if (await liveListing(roomId)) return;
      // the previous instance may still be writing its final position (unless its process is gone)
      // (asked again each time: a process that just died is found gone an interval after the first look)
      const settleUntil = Date.now() + SETTLE_LIMIT_MS;
      while (row.status === "live" && Date.now() < settleUntil && (await processRuns(row.process_id))) {
        await sleep(WAIT_STEP_MS * 2);
        row = (await repo.getRoom(database.db, roomId)) ?? row;
      }
      // here, not on another process: Colyseus answers a create on another process that takes
      // over 2 s (a busy box after a failover) by creating the room here too, and the late copy
      // there is a second restore (fenced, its members bounced). The load balancer that brought
      // the join here spreads the restores.
      await matchMaker.handleCreateRoom(ROOM_NAME, { [RESTORE_OPTION]: roomId });
    } finally {
      await lock.release();
    }
    return;
  }
  const until = Date.now() + WAIT_LIMIT_MS;
  while (Date.now() < until) {
    await sleep(WAIT_STEP_MS);
    if (await matchMaker.getRoomById(roomId)) return;
  }
  throw new AppError("UNAVAILABLE", "the room is being restored; try again");
}

/** Whether the process that took the room last still runs (always, without a cluster). */
async function processRuns(processId: string | null): Promise<boolean> {
  const { liveness } = services();
  return !liveness || processId === null || (await liveness.isAlive(processId));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Where a room not hosted by any process stands: its stored playback, paused. A room that
 * was put to sleep cleanly is stored paused already; one whose process died resumes where
 * its host would have been at its last recorded activity.
 */
export function dormantPlayback(row: repo.RoomRow): PlaybackSnapshot {
  const stored = {
    is_playing: row.is_playing,
    position: row.position,
    updated_at: row.updated_at,
    rate: row.rate,
    seq: row.seq,
  };
  return pausedAt(stored, row.last_active_at.getTime());
}

/**
 * A room restored this soon after its last "still live" stamp (src/cluster/room-holds.ts stamps
 * playing rooms on every heartbeat) lost its process while playing: it plays on.
 */
export const PLAY_ON_WITHIN_MS = 30_000;

/**
 * Where a restored room starts. A room put to sleep cleanly is stored paused. One whose process
 * died or stalled while playing (still "live", stamped moments ago) plays on from where it would
 * be now, so its members come back to a running video; older ones wait paused (dormantPlayback).
 */
export function restoredPlayback(row: repo.RoomRow, nowMs: number): PlaybackSnapshot {
  const lastLiveMs = row.last_active_at.getTime();
  if (row.status !== "live" || !row.is_playing || nowMs - lastLiveMs > PLAY_ON_WITHIN_MS)
    return dormantPlayback(row);
  const stored = {
    is_playing: true,
    position: row.position,
    updated_at: row.updated_at,
    rate: row.rate,
    seq: row.seq,
  };
  return { ...stored, position: clampPosition(expectedPosition(stored, nowMs)), updated_at: nowMs };
}
