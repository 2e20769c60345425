/**
 * What keeps a big room's chat and reactions affordable (pure; the room applies them).
 * Slow mode: at most `perS` comments a second reach everyone; the rest reach their author only
 * (every comment is stored either way). Reactions in audience mode: counted per emoji and sent
 * as one `reaction_counts` message a second instead of one message per reaction.
 */
import type { ReactionCountsView } from "../../schema/messages.ts";

/** Fixed one-second windows: the first `perS` comments of each second are broadcast. */
export class ChatGate {
  private windowStart = -Infinity;
  private sent = 0;
  private readonly perS: number;

  constructor(perS: number) {
    this.perS = perS;
  }

  /** true: send to everyone; false: to its author only */
  admit(nowMs: number): boolean {
    if (nowMs - this.windowStart >= 1000) {
      this.windowStart = nowMs;
      this.sent = 0;
    }
    if (this.sent >= this.perS) return false;
    this.sent++;
    return true;
  }
}

/** bounded: a window keeps at most this many distinct emoji (the rest count in `total` only) */
const MAX_EMOJI = 32;

export class ReactionTally {
  private counts = new Map<string, number>();
  private total = 0;
  private from: number;

  constructor(nowMs: number) {
    this.from = nowMs;
  }

  add(emoji: string): void {
    this.total++;
    const n = this.counts.get(emoji);
    if (n !== undefined) this.counts.set(emoji, n + 1);
    else if (this.counts.size < MAX_EMOJI) this.counts.set(emoji, 1);
  }

  /** The window's counts, or undefined when nobody reacted; a new window starts either way. */
  drain(nowMs: number): ReactionCountsView | undefined {
    const out =
      this.total === 0
        ? undefined
        : { counts: Object.fromEntries(this.counts), total: this.total, from: this.from, to: nowMs };
    this.counts = new Map();
    this.total = 0;
    this.from = nowMs;
    return out;
  }
}
