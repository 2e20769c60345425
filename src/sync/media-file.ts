/**
 * A member's own copy of the episode (a Syncplay member's file; a browser member's local file):
 * whether its length says it is another cut than the current item. Pure.
 */

/** A file whose length differs from the item's by more than this is "a different file". */
export const DURATION_TOLERANCE_S = 5;

/** Both lengths known (> 0) and more than DURATION_TOLERANCE_S apart. */
export function isDifferentFile(fileDurationS: number, itemDurationS: number): boolean {
  return (
    fileDurationS > 0 && itemDurationS > 0 && Math.abs(fileDurationS - itemDurationS) > DURATION_TOLERANCE_S
  );
}
