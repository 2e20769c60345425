/**
 * The room's playback as a small state machine (pure): a host command moves it from one
 * snapshot to the next. Each accepted command bumps `seq` and restamps `updated_at`.
 */
import type { PlaybackClock } from "./clock.ts";
import { expectedPosition } from "./clock.ts";

export interface PlaybackSnapshot extends PlaybackClock {
  seq: number;
}

export type HostCommand =
  | { action: "play"; current_time: number }
  | { action: "pause"; current_time: number }
  | { action: "seek"; current_time: number }
  /** the shared speed: from where the room is expected now, at `rate` */
  | { action: "rate"; rate: number }
  /** a buffering member holds the room: paused at `current_time` (the hold's position) */
  | { action: "hold"; current_time: number }
  /** the hold ends: playing again from `current_time` */
  | { action: "resume"; current_time: number };

export const MIN_RATE = 0.25;
export const MAX_RATE = 2;

/** Positions are clamped here and only here. */
export function clampPosition(seconds: number): number {
  return Number.isFinite(seconds) && seconds > 0 ? seconds : 0;
}

export function initialPlayback(nowMs: number): PlaybackSnapshot {
  return { is_playing: false, position: 0, updated_at: nowMs, rate: 1, seq: 0 };
}

export function applyHostCommand(pb: PlaybackSnapshot, cmd: HostCommand, nowMs: number): PlaybackSnapshot {
  if (cmd.action === "rate") {
    const rate = Math.min(MAX_RATE, Math.max(MIN_RATE, cmd.rate));
    const position = clampPosition(expectedPosition(pb, nowMs));
    return { is_playing: pb.is_playing, position, updated_at: nowMs, rate, seq: pb.seq + 1 };
  }
  const position = clampPosition(cmd.current_time);
  const next = { rate: pb.rate, seq: pb.seq + 1, updated_at: nowMs, position };
  switch (cmd.action) {
    case "play":
    case "resume":
      return { ...next, is_playing: true };
    case "pause":
    case "hold":
      return { ...next, is_playing: false };
    case "seek":
      return { ...next, is_playing: pb.is_playing };
    default: {
      const unknown: never = cmd;
      throw new Error(`unhandled host command ${JSON.stringify(unknown)}`);
    }
  }
}

/** What a room resumes with after dormancy: paused where the host would have been at `atMs`. */
export function pausedAt(pb: PlaybackSnapshot, atMs: number): PlaybackSnapshot {
  if (!pb.is_playing) return pb;
  return { ...pb, is_playing: false, position: clampPosition(expectedPosition(pb, atMs)), updated_at: atMs };
}
