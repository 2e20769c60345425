/**
 * Waiting for whoever buffers, bounded (pure). While the room plays, a member whose report
 * says `buffering` holds the room: it pauses at the position it was expected at when the hold
 * began, and the hold lists whom it waits for. When nobody is waited for any more, the room
 * resumes; after `waitS` it resumes without the laggards (marked, they catch up). A member who
 * has started or joined more than `holdsMax` holds within `windowS` no longer holds the room,
 * so one flapping connection cannot stall a party. Buffering within `graceMs` of a playback change
 * (every player buffers after a seek or a start) starts no hold. Times are server epoch ms.
 */
export interface HoldOptions {
  waitS: number;
  holdsMax: number;
  windowS: number;
  /** buffering this soon after a playback change (play, seek, resume) is the change itself, not a stall */
  graceMs: number;
}

export interface Hold {
  since: number;
  /** where the room waits (seconds) */
  position: number;
  waiting_for: Set<string>;
}

export type HoldDecision =
  | { kind: "none" }
  /** pause everyone at `position`, waiting for `waiting_for` */
  | { kind: "hold"; position: number; waiting_for: string[] }
  /** the list of whom the room waits for changed */
  | { kind: "waiting"; waiting_for: string[] }
  /** play again from the hold's position; `laggards` were not waited for to the end */
  | { kind: "resume"; position: number; laggards: string[] };

export class BufferHolds {
  private readonly options: HoldOptions;
  private hold: Hold | undefined;
  /** per member: when it started or joined holds (for the cap) */
  private readonly history = new Map<string, number[]>();

  constructor(options: HoldOptions) {
    this.options = options;
  }

  get current(): Readonly<Hold> | undefined {
    return this.hold;
  }

  /**
   * A member's report. `playing`: the room plays (or is held); `expected`: where the room is
   * expected now; `enabled`: the room waits for buffering at all.
   */
  report(
    userId: string,
    buffering: boolean,
    ctx: { nowMs: number; playing: boolean; expected: number; enabled: boolean; changedAt?: number },
  ): HoldDecision {
    const hold = this.hold;
    if (!buffering) {
      if (!hold?.waiting_for.delete(userId)) return { kind: "none" };
      return hold.waiting_for.size === 0
        ? this.resume([])
        : { kind: "waiting", waiting_for: [...hold.waiting_for] };
    }
    if (!ctx.enabled || hold?.waiting_for.has(userId)) return { kind: "none" };
    if (!hold && !ctx.playing) return { kind: "none" };
    if (!hold && ctx.changedAt !== undefined && ctx.nowMs - ctx.changedAt < this.options.graceMs)
      return { kind: "none" };
    if (!this.mayHold(userId, ctx.nowMs)) return { kind: "none" };
    this.recordHold(userId, ctx.nowMs);
    if (hold) {
      hold.waiting_for.add(userId);
      return { kind: "waiting", waiting_for: [...hold.waiting_for] };
    }
    this.hold = { since: ctx.nowMs, position: ctx.expected, waiting_for: new Set([userId]) };
    return { kind: "hold", position: ctx.expected, waiting_for: [userId] };
  }

  /** On the room clock: past the wait limit, resume without whoever is still waited for. */
  tick(nowMs: number): HoldDecision {
    if (!this.hold || nowMs - this.hold.since < this.options.waitS * 1000) return { kind: "none" };
    return this.resume([...this.hold.waiting_for]);
  }

  /** A member left (or stopped counting): the room no longer waits for it. */
  forget(userId: string): HoldDecision {
    return this.report(userId, false, { nowMs: 0, playing: false, expected: 0, enabled: false });
  }

  /** The host took over (pause, play, seek): any hold ends without a resume of its own. */
  cancel(): void {
    this.hold = undefined;
  }

  private resume(laggards: string[]): HoldDecision {
    const position = this.hold?.position ?? 0;
    this.hold = undefined;
    return { kind: "resume", position, laggards };
  }

  private mayHold(userId: string, nowMs: number): boolean {
    const since = nowMs - this.options.windowS * 1000;
    const recent = (this.history.get(userId) ?? []).filter((t) => t > since);
    this.history.set(userId, recent);
    return recent.length < this.options.holdsMax;
  }

  private recordHold(userId: string, nowMs: number): void {
    this.history.get(userId)!.push(nowMs);
  }
}
