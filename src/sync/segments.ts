/**
 * Episode segments (pure): intros, outros and recaps as [start, end) in seconds. `skip` seeks
 * past the segment the room is in; with `auto_skip`, the room skips a segment when its expected
 * position crosses the segment's start (not when someone seeks into the middle of one).
 */
export const SEGMENT_KINDS = ["intro", "outro", "recap"] as const;
export type SegmentKind = (typeof SEGMENT_KINDS)[number];

export interface Segment {
  kind: SegmentKind;
  start_s: number;
  end_s: number;
}

/** The segment that contains `position`, if any. */
export function segmentAt(segments: readonly Segment[], position: number): Segment | undefined {
  return segments.find((s) => position >= s.start_s && position < s.end_s);
}

/**
 * Auto-skip: a segment whose start lies in (previous, current] — the room just played into it.
 * `previous` is where the room was at the last check.
 */
export function enteredSegment(
  segments: readonly Segment[],
  previous: number,
  current: number,
): Segment | undefined {
  if (current < previous || current - previous > 5) return undefined; // a seek, not playing through
  return segments.find((s) => s.start_s >= previous - 1e-9 && s.start_s <= current && current < s.end_s);
}
