/**
 * How closely a member's video followed the room in a run of the browser sync tests, measured as
 * test/browser/sync-accuracy.test.ts measures it: from the page's 50 ms video samples (party-page.ts),
 * the |error| while playing ("steady": from 2 s after the start, excluding the second after the seek),
 * how soon after the host's seek every sample stays within 100 ms of where the host really is, and the
 * error of the last five samples while paused.
 */
import type { PlaybackSeen, VideoSample } from "./party-page.ts";
import { percentile } from "./stats.ts";

export interface FollowAccuracy {
  steadyS: number;
  p50: number;
  p95: number;
  max: number;
  /** signed p5/p50/p95 of the steady error, ms (negative = behind) */
  signed: [number, number, number];
  /** ms after the seek from which every sample is within 100 ms; Infinity if never */
  convergeMs: number;
  /** the last five samples' error while paused, ms */
  paused: number[];
  holds: number;
}

/** `playAt`: real ms the host started playing; `seekTo`: the position the host seeked to, s. */
export function followAccuracy(
  all: VideoSample[],
  changes: PlaybackSeen[],
  playAt: number,
  seekTo: number,
): FollowAccuracy {
  // the host's seek: the first playback at the seek's position
  const seek = changes.find((s) => s.playing && Math.abs(s.position - seekTo) < 1);
  if (!seek) throw new Error(`the seek to ${seekTo} s was never seen: ${JSON.stringify(changes)}`);
  const seekAt = seek.updated_at;
  const steady = all.filter(
    (s) => s.playing && s.real > playAt + 2000 && !(s.real >= seekAt && s.real < seekAt + 1000),
  );
  const abs = steady.map((s) => Math.abs(s.error));
  const afterSeek = all
    .filter((s) => s.real >= seekAt && s.real < seekAt + 5000)
    .map((s) => ({ real: s.real, error: s.current * 1000 - (seek.position * 1000 + (s.real - seekAt)) }));
  let converged = afterSeek.length;
  for (let i = afterSeek.length - 1; i >= 0; i--) {
    if (Math.abs(afterSeek[i]!.error) > 100) break;
    converged = i;
  }
  const errors = steady.map((s) => s.error);
  return {
    steadyS: (steady.length * 50) / 1000,
    p50: percentile(abs, 50),
    p95: percentile(abs, 95),
    max: Math.max(...abs),
    signed: [percentile(errors, 5), percentile(errors, 50), percentile(errors, 95)],
    convergeMs: converged < afterSeek.length ? afterSeek[converged]!.real - seekAt : Infinity,
    paused: all
      .filter((s) => !s.playing)
      .slice(-5)
      .map((s) => s.error),
    holds: changes.filter((s) => s.hold).length,
  };
}

export function describeAccuracy(name: string, a: FollowAccuracy, clockOffsetMs: number): string {
  const ms = (n: number) => n.toFixed(1);
  return (
    `${name}: ${ms(a.steadyS)} s steady, |error| p50 ${ms(a.p50)} ms, p95 ${ms(a.p95)} ms, max ${ms(a.max)} ms; ` +
    `within 100 ms ${a.convergeMs.toFixed(0)} ms after the seek; paused error ${a.paused.map((e) => e.toFixed(0)).join("/")} ms; ` +
    `holds seen ${a.holds}; signed p5/p50/p95 ${a.signed.map(ms).join("/")} ms, clock offset ${ms(clockOffsetMs)} ms`
  );
}
