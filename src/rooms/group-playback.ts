/**
 * Group playback in a live room: buffering holds (src/sync/buffer-holds.ts), the ready check,
 * shared speed, segments with skip and auto-skip, and the room settings. Every playback change
 * goes through `apply` (a host action: seq bumps, stored, flushed unless on the room clock).
 * No Colyseus imports.
 */
import { ArraySchema } from "@colyseus/schema";
import type { WatchPartyState } from "../../schema/state.ts";
import type { Roster } from "./roster.ts";
import { AppError } from "../errors.ts";
import { expectedPosition } from "../sync/clock.ts";
import { BufferHolds, type HoldDecision } from "../sync/buffer-holds.ts";
import type { HostCommand } from "../sync/playback.ts";
import { enteredSegment, segmentAt, type Segment } from "../sync/segments.ts";

export interface GroupHooks {
  /** a host action by the room itself or by `by`; `flush` false on the room clock */
  apply(cmd: HostCommand, flush: boolean): void;
  log(msg: string, fields: Record<string, unknown>): void;
}

export class GroupPlayback {
  private readonly state: WatchPartyState;
  /** every member (in audience mode the state shows only some: roster.ts) */
  private readonly roster: Roster;
  private readonly holds: BufferHolds;
  private readonly hooks: GroupHooks;
  /** where the room was at the last auto-skip check */
  private lastPosition = 0;

  constructor(state: WatchPartyState, roster: Roster, holds: BufferHolds, hooks: GroupHooks) {
    this.state = state;
    this.roster = roster;
    this.holds = holds;
    this.hooks = hooks;
  }

  /** A member's status report: buffering may hold the room, recovering may resume it. */
  report(userId: string, buffering: boolean, nowMs: number): void {
    const member = this.roster.get(userId);
    // a member the room stopped waiting for catches up without holding it again until it recovers
    // (else its routine reports, still buffering, would hold the room again every few seconds)
    if (buffering && member?.lagging) return;
    // the routine report (playing fine, nothing held, not lagging) changes nothing here
    if (!buffering && !this.holds.current && !member?.lagging) return;
    if (member?.lagging && !buffering) member.lagging = false;
    const decision = this.holds.report(userId, buffering, {
      nowMs,
      playing: this.state.playback.is_playing,
      expected: expectedPosition(this.state.playback, nowMs),
      // a big room waits for nobody's buffering: among thousands someone always buffers
      enabled: this.state.settings.wait_for_buffering && !this.state.audience,
      changedAt: this.state.playback.updated_at,
    });
    this.decide(decision, nowMs, true);
  }

  forget(userId: string, flush: boolean): void {
    this.decide(this.holds.forget(userId), Date.now(), flush);
    if (this.state.ready_check.active) this.checkReady(flush);
  }

  /** On the room clock: hold time limit, ready-check deadline, auto-skip. */
  tick(nowMs: number): void {
    this.decide(this.holds.tick(nowMs), nowMs, false);
    if (this.state.ready_check.active && nowMs >= this.state.ready_check.deadline)
      this.startAfterReady(false);
    else if (this.state.ready_check.active && this.state.audience) this.checkReady(false);
    const position = expectedPosition(this.state.playback, nowMs);
    if (this.state.settings.auto_skip && this.state.playback.is_playing) {
      const segment = enteredSegment(this.segments(), this.lastPosition, position);
      if (segment) {
        this.hooks.log("auto-skip", { kind: segment.kind, to: segment.end_s });
        this.hooks.apply({ action: "seek", current_time: segment.end_s }, false);
        this.lastPosition = segment.end_s;
        return;
      }
    }
    this.lastPosition = position;
  }

  /** The host played, paused or seeked: that ends a hold or a ready check. */
  hostTookOver(): void {
    this.holds.cancel();
    this.showHold(undefined);
    this.endReadyCheck();
  }

  skip(nowMs: number): void {
    const segment = segmentAt(this.segments(), expectedPosition(this.state.playback, nowMs));
    if (!segment) throw new AppError("INVALID_INPUT", "skip: the room is not in a segment");
    this.hooks.apply({ action: "seek", current_time: segment.end_s }, true);
    this.lastPosition = segment.end_s;
  }

  settings(patch: { wait_for_buffering?: boolean; auto_skip?: boolean }): void {
    if (patch.auto_skip !== undefined) this.state.settings.auto_skip = patch.auto_skip;
    if (patch.wait_for_buffering !== undefined) {
      this.state.settings.wait_for_buffering = patch.wait_for_buffering;
      if (!patch.wait_for_buffering && this.holds.current) {
        const position = this.holds.current.position;
        this.holds.cancel();
        this.decide({ kind: "resume", position, laggards: [] }, Date.now(), true);
      }
    }
  }

  startReadyCheck(timeoutS: number, nowMs: number): void {
    if (this.state.playback.is_playing)
      this.hooks.apply({ action: "pause", current_time: expectedPosition(this.state.playback, nowMs) }, true);
    this.holds.cancel();
    this.showHold(undefined);
    for (const m of this.roster.values()) m.ready = "";
    this.state.ready_check.active = true;
    this.state.ready_check.deadline = nowMs + timeoutS * 1000;
  }

  answerReady(userId: string, ready: boolean): void {
    if (!this.state.ready_check.active)
      throw new AppError("INVALID_INPUT", "ready: no ready check is running");
    const member = this.roster.get(userId);
    if (member) member.ready = ready ? "ready" : "not_ready";
    // a big room counts its answers on the clock: one count per tick, not one per answer
    if (!this.state.audience) this.checkReady(true);
  }

  private checkReady(flush: boolean): void {
    const connected = [...this.roster.values()].filter((m) => m.connected);
    if (connected.length > 0 && connected.every((m) => m.ready === "ready")) this.startAfterReady(flush);
  }

  private startAfterReady(flush: boolean): void {
    this.endReadyCheck();
    this.hooks.apply({ action: "play", current_time: this.state.playback.position }, flush);
  }

  private endReadyCheck(): void {
    if (!this.state.ready_check.active) return;
    this.state.ready_check.active = false;
    this.state.ready_check.deadline = 0;
  }

  private decide(decision: HoldDecision, nowMs: number, flush: boolean): void {
    switch (decision.kind) {
      case "none":
        return;
      case "hold":
        this.hooks.log("hold", { position: decision.position, waiting_for: decision.waiting_for });
        this.showHold({ since: nowMs, position: decision.position, waiting_for: decision.waiting_for });
        this.hooks.apply({ action: "hold", current_time: decision.position }, flush);
        return;
      case "waiting":
        this.showWaiting(decision.waiting_for);
        return;
      case "resume":
        for (const id of decision.laggards) {
          const m = this.roster.get(id);
          if (m) m.lagging = true;
        }
        this.hooks.log("resume", { position: decision.position, laggards: decision.laggards });
        this.showHold(undefined);
        this.hooks.apply({ action: "resume", current_time: decision.position }, flush);
        return;
    }
  }

  private showHold(hold: { since: number; position: number; waiting_for: string[] } | undefined): void {
    const h = this.state.hold;
    h.active = hold !== undefined;
    h.since = hold?.since ?? 0;
    h.position = hold?.position ?? 0;
    this.showWaiting(hold?.waiting_for ?? []);
  }

  /**
   * A new list only when it differs: a replaced array is a new object to decode on every
   * member's side, and every host action clears the hold.
   */
  private showWaiting(ids: readonly string[]): void {
    const shown = this.state.hold.waiting_for;
    if (shown.length === ids.length && ids.every((id, i) => shown[i] === id)) return;
    this.state.hold.waiting_for = new ArraySchema(...ids);
  }

  private segments(): Segment[] {
    return [...this.state.segments].map((s) => ({
      kind: s.kind as Segment["kind"],
      start_s: s.start_s,
      end_s: s.end_s,
    }));
  }
}
